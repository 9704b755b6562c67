"""Glue Data Catalog databases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Context, Outcome, Resource, error_code


@dataclass(frozen=True)
class GlueDatabase(Resource):
    """A Glue Data Catalog database (the catalog entry crawlers and Athena use)."""

    name: str
    description: str = ""
    kind: ClassVar[str] = "glue-database"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        glue = ctx.client("glue")
        try:
            glue.get_database(Name=self.name)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if error_code(exc) != "EntityNotFoundException":
                raise
        glue.create_database(DatabaseInput={"Name": self.name, "Description": self.description})
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("glue").delete_database(Name=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "EntityNotFoundException":
                return Outcome.ABSENT
            raise
