"""Cadabra sandbox: the Cadabra.com AWS big-data case study, end to end on one machine."""

__version__ = "0.1.0"
