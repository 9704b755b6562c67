"""OpenSearch Service / Elasticsearch destination: bulk indexing with rotation, retries and S3 backup.

https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-elasticsearch,
https://docs.aws.amazon.com/firehose/latest/dev/es-index-rotation.html and the OpenSearch part of
https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html: each record is one JSON document
indexed into IndexName plus the rotation suffix of its arrival time, with a Firehose-generated id
(unless DocumentIdOptions says NO_DOCUMENT_ID). Whole-request failures and 429/5xx items are
retried for RetryOptions.DurationInSeconds; documents that still fail, or that OpenSearch rejects
(a record that is not a JSON object is rejected up front, as the cluster would), go to the backup
bucket's error prefix with error type `AmazonOpenSearchService-failed` (`elasticsearch-failed` for
the Elasticsearch destination). S3BackupMode AllDocuments also writes every document to the
backup bucket's Prefix.

The endpoint is ClusterEndpoint, or for DomainARN the stack's OpenSearch URL (settings).
Known gaps: TypeName is ignored (OpenSearch 2 has no mapping types); VPC and auth options are
ignored; AllDocuments backup objects are written per delivery, not buffered by the S3 hints.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from sandbox.localcloud.firehose import prefixes
from sandbox.localcloud.firehose.destinations.base import DeliveryContext, ErrorBatch, Outcome
from sandbox.localcloud.firehose.destinations.s3 import S3Location
from sandbox.localcloud.firehose.records import MIB, BufferingHints, Record, error_document

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10.0
TIMEOUT_SECONDS_PER_MIB = 5.0  # a loaded single-node server indexes a 5 MB _bulk in seconds, not instantly
# Only what delivery reads from a _bulk answer: the response is a fraction of the full one to parse.
BULK_FILTER = "errors,items.*.status,items.*.error"


class OpenSearchDestination:
    """Indexes buffered records with the _bulk API; failed documents are backed up to S3."""

    source_backup = None

    def __init__(self, kind: str, raw: dict[str, Any]) -> None:
        self.kind = kind
        self.cluster_endpoint = raw.get("ClusterEndpoint")
        self.domain_arn = raw.get("DomainARN")
        self.index = raw["IndexName"]
        self.rotation = raw.get("IndexRotationPeriod") or prefixes.RotationPeriod.ONE_DAY.value
        self.buffering = BufferingHints.from_config(raw.get("BufferingHints"))
        self.retry_seconds = float((raw.get("RetryOptions") or {}).get("DurationInSeconds", 300))
        self.backup_mode = raw.get("S3BackupMode") or "FailedDocumentsOnly"
        self.location = S3Location.from_description(raw["S3DestinationDescription"])
        id_format = (raw.get("DocumentIdOptions") or {}).get("DefaultDocumentIdFormat", "FIREHOSE_DEFAULT")
        self.generate_ids = id_format != "NO_DOCUMENT_ID"
        self.error_type = (
            prefixes.ErrorOutputType.ELASTICSEARCH_FAILED
            if kind == "Elasticsearch"
            else prefixes.ErrorOutputType.OPENSEARCH_FAILED
        ).value

    def endpoint(self, ctx: DeliveryContext) -> str:
        if self.cluster_endpoint:
            url = self.cluster_endpoint
            return (url if "://" in url else f"https://{url}").rstrip("/")
        if self.domain_arn:
            return ctx.settings.opensearch_url.rstrip("/")
        raise ValueError("the OpenSearch destination has neither ClusterEndpoint nor DomainARN: set one")

    def deliver(self, records: list[Record], ctx: DeliveryContext, *, attempts: int, give_up: bool) -> Outcome:
        if attempts == 1 and self.backup_mode == "AllDocuments":
            self._backup_all(records, ctx)
        outcome = Outcome()
        rejected: list[tuple[Record, str, str]] = []
        valid: list[tuple[Record, str, bytes]] = []
        indexes: dict[datetime, str] = {}  # records of one PutRecordBatch share their arrival time
        for record in records:
            index = indexes.get(record.arrival)
            if index is None:
                index = indexes[record.arrival] = prefixes.index_name(self.index, self.rotation, record.arrival)
            document = _as_document(record.data)
            if document is None:
                rejected.append((record, "400", "mapper_parsing_exception: failed to parse: the record is not a JSON object"))
            else:
                valid.append((record, index, document))
        retryable: list[tuple[Record, str, str]] = []
        if valid:
            try:
                statuses = self._bulk(valid, ctx)
            except Exception as exc:  # connection refused, 5xx, timeouts: retry the whole request
                retryable = [(record, "OS.ConnectionFailed", f"bulk request failed: {exc}") for record, _, _ in valid]
                outcome.error = retryable[0][2]
            else:
                for (record, _, _), (status, error) in zip(valid, statuses):
                    if status < 300:
                        outcome.delivered += 1
                    elif status == 429 or status >= 500:
                        retryable.append((record, str(status), error))
                    else:
                        rejected.append((record, str(status), error))
        if retryable and not give_up:
            outcome.retry = [record for record, _, _ in retryable]
        else:
            rejected.extend(retryable)
        if rejected:
            outcome.errors.append(self._error_batch(rejected, attempts, ctx))
            outcome.failed = len(rejected)
        return outcome

    def _bulk(self, valid: list[tuple[Record, str, bytes]], ctx: DeliveryContext) -> list[tuple[int, str]]:
        lines: list[bytes] = []
        actions: dict[str, bytes] = {}  # the action line up to the id, per index
        for record, index, document in valid:
            head = actions.get(index)
            if head is None:
                head = actions[index] = b'{"index":{"_index":' + json.dumps(index).encode()
            if self.generate_ids:
                lines.append(head + b',"_id":' + json.dumps(record.record_id).encode() + b"}}")
            else:
                lines.append(head + b"}}")
            lines.append(document)
        body = b"\n".join(lines) + b"\n"
        request = urllib.request.Request(
            f"{self.endpoint(ctx)}/_bulk?filter_path={BULK_FILTER}",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-ndjson"},
        )
        timeout = HTTP_TIMEOUT_SECONDS + TIMEOUT_SECONDS_PER_MIB * len(body) / MIB
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
        items = answer.get("items") or []
        if len(items) != len(valid):
            raise ValueError(f"_bulk answered {len(items)} items for {len(valid)} documents")
        statuses: list[tuple[int, str]] = []
        for item in items:
            result = next(iter(item.values()))
            error = result.get("error")
            statuses.append((int(result.get("status", 500)), json.dumps(error) if error else ""))
        return statuses

    def _backup_all(self, records: list[Record], ctx: DeliveryContext) -> None:
        try:
            self.location.write(records, ctx)
        except Exception:
            log.exception("AllDocuments backup of %d records of %s failed", len(records), ctx.stream.name)

    def _error_batch(self, rejected: list[tuple[Record, str, str]], attempts: int, ctx: DeliveryContext) -> ErrorBatch:
        ended = ctx.clock()
        documents = []
        for record, code, message in rejected:
            index = prefixes.index_name(self.index, self.rotation, record.arrival)
            extra = {
                "subsequenceNumber": 0,
                "esDocumentId": record.record_id if self.generate_ids else "",
                "esIndexName": index,
                "esTypeName": "",
            }
            documents.append(
                error_document(record, error_code=code, error_message=message, attempts=attempts, ended=ended, extra=extra)
            )
        return ErrorBatch([record for record, _, _ in rejected], self.error_type, documents)

    def write_failed(
        self, records: list[Record], error_type: str, documents: list[dict[str, Any]], ctx: DeliveryContext
    ) -> None:
        self.location.write_documents(records, error_type, documents, ctx)


def _as_document(data: bytes) -> bytes | None:
    """The record as one NDJSON line if it is a JSON object, else None."""
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(parsed, dict):
        return None
    stripped = data.strip()
    return stripped if b"\n" not in stripped and b"\r" not in stripped else json.dumps(parsed).encode()
