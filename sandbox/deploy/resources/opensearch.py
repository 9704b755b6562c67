"""OpenSearch index templates (compared as OpenSearch stores them, so a second deploy changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from sandbox.deploy.resources.base import Context, Outcome, Resource


@dataclass(frozen=True)
class IndexTemplate(Resource):
    """An OpenSearch composable index template on the stack's search endpoint (`body` is the template)."""

    name: str
    body: dict[str, Any] = field(default_factory=dict, hash=False)
    kind: ClassVar[str] = "index-template"
    order: ClassVar[int] = 10

    def _client(self, ctx: Context) -> Any:
        from opensearchpy import OpenSearch

        return OpenSearch(hosts=[ctx.settings.opensearch_url], timeout=10)

    def apply(self, ctx: Context) -> Outcome:
        from opensearchpy.exceptions import NotFoundError

        client = self._client(ctx)
        try:
            current = client.indices.get_index_template(name=self.name)["index_templates"][0]["index_template"]
        except NotFoundError:
            current = None
        declared = {key: current.get(key) for key in self.body} if current is not None else None
        if declared is not None and _comparable(declared) == _comparable(self.body):
            return Outcome.UNCHANGED
        client.indices.put_index_template(name=self.name, body=self.body)
        return Outcome.CREATED if current is None else Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        from opensearchpy.exceptions import NotFoundError

        try:
            self._client(ctx).indices.delete_index_template(name=self.name)
            return Outcome.DELETED
        except NotFoundError:
            return Outcome.ABSENT


def _comparable(body: dict[str, Any]) -> Any:
    """A template as OpenSearch stores it: settings flattened without the `index.` prefix
    ({"index": {"number_of_shards": "1"}} == {"number_of_shards": 1}), scalars as strings."""
    body = dict(body)
    template = dict(body.get("template") or {})
    if "settings" in template:
        template["settings"] = {k.removeprefix("index."): v for k, v in _flatten(template["settings"]).items()}
    body["template"] = template
    return _canonical(body)


def _flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _canonical(value: Any) -> Any:
    """Compare templates as OpenSearch returns them: it answers numbers and booleans in settings as strings."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return str(value).lower() if isinstance(value, bool) else str(value)
