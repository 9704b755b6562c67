"""Glue Data Catalog databases and crawlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Arn, Context, Outcome, Resource, error_code


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


@dataclass(frozen=True)
class GlueCrawler(Resource):
    """A Glue crawler over S3 paths (with exclusion globs) into a catalog database."""

    name: str
    database: str
    paths: tuple[str, ...]
    exclusions: tuple[str, ...] = ()
    role: str = "cadabra-glue-crawler"  # a role name, resolved in the stack's account
    sample_size: int | None = None  # files read per leaf folder (1-249; None: every file)
    kind: ClassVar[str] = "glue-crawler"
    order: ClassVar[int] = 20

    def _definition(self, ctx: Context) -> dict:
        return {
            "Role": Arn.role(self.role).resolve(ctx),
            "DatabaseName": self.database,
            "Targets": {"S3Targets": [{"Path": path, "Exclusions": list(self.exclusions),
                                       **({"SampleSize": self.sample_size} if self.sample_size else {})}
                                      for path in self.paths]},
            "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
        }

    def apply(self, ctx: Context) -> Outcome:
        glue = ctx.client("glue")
        wanted = self._definition(ctx)
        try:
            found = glue.get_crawler(Name=self.name)["Crawler"]
        except ClientError as exc:
            if error_code(exc) != "EntityNotFoundException":
                raise
            glue.create_crawler(Name=self.name, **wanted)
            return Outcome.CREATED
        targets = [{"Path": t["Path"], "Exclusions": list(t.get("Exclusions") or []),
                    **({"SampleSize": t["SampleSize"]} if t.get("SampleSize") else {})} for t in found["Targets"].get("S3Targets", [])]
        if found.get("DatabaseName") == self.database and targets == wanted["Targets"]["S3Targets"]:
            return Outcome.UNCHANGED
        glue.update_crawler(Name=self.name, **wanted)
        return Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("glue").delete_crawler(Name=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "EntityNotFoundException":
                return Outcome.ABSENT
            raise
