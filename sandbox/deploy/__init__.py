"""The deploy engine: pipelines declare resources as data; one engine applies or destroys them."""

from sandbox.deploy.engine import DeployReport, collect, deploy, destroy, inventory

__all__ = ["DeployReport", "collect", "deploy", "destroy", "inventory"]
