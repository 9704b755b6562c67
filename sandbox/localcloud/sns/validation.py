"""SNS request validation as AWS answers it, before moto sees the request.

moto accepts requests AWS rejects (an empty message, an unknown protocol, a malformed ARN it then
fails on with a 500) or rejects them with other words. Each check here raises the error AWS sends:
the code and message of https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html and the
action's own page (API_Publish, API_PublishBatch, API_Subscribe, API_SetSubscriptionAttributes,
API_CreateTopic, API_CreatePlatformApplication, API_SetSMSAttributes, API_OptInPhoneNumber).

``check(request)`` runs the checks of the request's action; ``request`` is the view hooks.py builds
of moto's ``SNSResponse`` (parameters, region, moto's SNS state).

Known gaps: JSON parse errors are worded as AWS's Java parser (Jackson) words them only for the two
common cases (an unquoted token, a field name without quotes); filter policy syntax and complexity
are moto's beyond the rules ``_filter_policy`` adds (``cidr`` is refused); SMS attribute values
other than ``DefaultSMSType`` are not checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam

MAXIMUM_MESSAGE_BYTES = 262144  # 256 KiB: the message plus its attributes' names, types and values
MAXIMUM_BATCH_ID_LENGTH = 80
PROTOCOLS = frozenset({"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"})
PLATFORMS = frozenset({"ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "BAIDU", "GCM",
                       "MACOS", "MACOS_SANDBOX", "MPNS", "WNS"})
SMS_ATTRIBUTES = frozenset({"DeliveryStatusIAMRole", "DeliveryStatusSuccessSamplingRate", "DefaultSenderID",
                            "DefaultSMSType", "MonthlySpendLimit", "UsageReportS3Bucket"})
SUBSCRIPTION_ATTRIBUTES = frozenset({"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
                                     "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy"})
SUBSCRIPTION_DEFAULTS = {"RawMessageDelivery": "false", "FilterPolicyScope": "MessageAttributes"}
TOPIC_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,256}$")
FIFO_TOPIC_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,251}\.fifo$")
APPLICATION_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$")
BATCH_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
ATTRIBUTE_NAME_CHARACTER = re.compile(r"[a-zA-Z0-9_.-]")
PHONE_NUMBER = re.compile(r"^\+?\d+$")
PUBLISHABLE_NUMBER = re.compile(r"^\+?[1-9]\d{1,14}$")  # E.164
PERMISSION_ACTIONS = frozenset({"GetTopicAttributes", "SetTopicAttributes", "AddPermission", "RemovePermission",
                                "DeleteTopic", "Subscribe", "ListSubscriptionsByTopic", "Publish", "Receive"})
ATTRIBUTE_TYPES = ("String", "Number", "Binary")
ANYTHING_BUT_OPERATORS = ("prefix", "equals-ignore-case")  # as AWS recorded: suffix, exists are refused


class SnsError(seam.MotoServiceError):
    """An SNS error answer (moto serialises it in SNS's XML error form)."""


def invalid(message: str) -> SnsError:
    return SnsError("InvalidParameter", message)


@dataclass
class Request:
    """What a check reads of one SNS request."""

    action: str
    param: Callable[..., Any]  # moto's parsed request parameters: param(name, default)
    region: str
    backend: Any  # moto's SNSBackend of the request's account and region


def check(request: Request) -> None:
    """Raise AWS's error when the request breaks one of its action's rules."""
    for rule in CHECKS.get(request.action, ()):
        rule(request)


# -- ARNs -----------------------------------------------------------------------------------------
def _arn_parts(value: str | None, name: str) -> list[str]:
    if value is None:
        raise invalid(f"Invalid parameter: {name} Reason: no value for required parameter")
    parts = value.split(":")
    if len(parts) < 6:
        raise invalid(f"Invalid parameter: {name} Reason: An ARN must have at least 6 elements, not {len(parts)}")
    return parts


def _topic_arn(request: Request, name: str = "TopicArn") -> None:
    parts = _arn_parts(request.param(name), name)
    if parts[3] != request.region:
        raise invalid("Invalid parameter: TopicArn")


def topic_arn(request: Request) -> None:
    _topic_arn(request)


def publish_target(request: Request) -> None:
    """A topic, a platform endpoint or a phone number; what does not exist is named as AWS names it."""
    number = request.param("PhoneNumber")
    if number is not None:
        if not PUBLISHABLE_NUMBER.match(number):
            raise invalid(f"Invalid parameter: PhoneNumber Reason: {number} is not valid to publish to")
        return
    target = request.param("TargetArn")
    if target is not None:
        parts = _arn_parts(target, "TargetArn")
        if _topic(request, target) is None and target not in _backend(request, parts).platform_endpoints:
            raise invalid("Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
        return
    _topic_arn(request)
    if _topic(request, request.param("TopicArn")) is None:
        raise SnsError("NotFound", "Topic does not exist")


def _backend(request: Request, parts: list[str]) -> Any:
    """moto's SNS state of the ARN's account (cross-account topics live there), this region."""
    return seam.backend("sns", parts[4], request.region) if parts[4] else request.backend


def _topic(request: Request, arn: str | None) -> Any:
    parts = (arn or "").split(":")
    return _backend(request, parts).topics.get(arn) if len(parts) >= 6 else None


def platform_application_arn(request: Request) -> None:
    _arn_parts(request.param("PlatformApplicationArn"), "PlatformApplicationArn")


def platform_application_attributes(request: Request) -> None:
    if not request.param("Attributes"):
        raise SnsError("ValidationError", "1 validation error detected: Value null at 'attributes' failed to satisfy "
                                          "constraint: Member must not be null")


def permission(request: Request) -> None:
    topic = _topic(request, request.param("TopicArn"))
    if topic is None:
        return
    if any(statement.get("Sid") == request.param("Label") for statement in topic._policy_json.get("Statement", [])):
        raise invalid("Invalid parameter: Statement already exists")
    if any(action not in PERMISSION_ACTIONS for action in request.param("ActionName", []) or []):
        raise invalid("Invalid parameter: Policy statement action out of service scope!")


def subscription_arn(request: Request) -> None:
    parts = _arn_parts(request.param("SubscriptionArn"), "SubscriptionArn")
    if len(parts) < 7:
        raise invalid("Invalid parameter: SubscriptionId")


# -- topics ---------------------------------------------------------------------------------------
def topic_name(request: Request) -> None:
    name = request.param("Name") or ""
    fifo = str((request.param("Attributes", {}) or {}).get("FifoTopic", "false")).lower() == "true"
    if not (FIFO_TOPIC_NAME if fifo else TOPIC_NAME).match(name):
        raise invalid("Invalid parameter: Topic Name")


def duplicated_tags(request: Request) -> None:
    keys = [tag.get("Key") for tag in request.param("Tags", []) or []]
    if len(keys) != len(set(keys)):
        raise invalid("Invalid parameter: Duplicated keys are not allowed.")


def existing_topic(request: Request) -> None:
    """CreateTopic is idempotent only with the attributes and tags the topic already has."""
    topic = next((t for t in request.backend.topics.values() if t.name == request.param("Name")), None)
    if topic is None:
        return
    for name, value in (request.param("Attributes", {}) or {}).items():
        if name == "FifoTopic" and str(value).lower() == "false" and not topic.fifo_topic:
            continue
        if not _same_value(name, value, getattr(topic, _snake(name), None)):
            raise invalid("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
    tags = {tag["Key"]: tag["Value"] for tag in request.param("Tags", []) or []}
    if any(topic._tags.get(key) != value for key, value in tags.items()):  # some of its tags are fine
        raise invalid("Invalid parameter: Tags Reason: Topic already exists with different tags")


def settable_topic_attribute(request: Request) -> None:
    if request.param("AttributeName") == "FifoTopic":  # fixed at creation
        raise invalid("Invalid parameter: AttributeName")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _same_value(name: str, wanted: Any, current: Any) -> bool:
    if current is None:
        return False
    if name == "Policy":
        try:
            return json.loads(wanted) == json.loads(current)
        except (TypeError, ValueError):
            return False
    return str(wanted).lower() == str(current).lower() if isinstance(current, bool) else str(wanted) == str(current)


# -- publishing -----------------------------------------------------------------------------------
def publish_fifo(request: Request) -> None:
    topic = _topic(request, request.param("TopicArn") or request.param("TargetArn"))
    if topic is not None:
        _fifo_entry(topic, request.param("MessageGroupId"), request.param("MessageDeduplicationId"))


def _fifo_entry(topic: Any, group_id: str | None, deduplication_id: str | None) -> None:
    if topic.fifo_topic:
        if not group_id:
            raise invalid("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
        if not deduplication_id and not topic.content_based_deduplication:
            raise invalid("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
                          "MessageDeduplicationId provided explicitly")
    elif deduplication_id:
        raise invalid("Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
                      "parameter that is not valid for this topic type")


def publish_message(request: Request) -> None:
    _message(request.param("Message"), request.param("MessageStructure"), request.param("Subject", None))
    attributes = request.param("MessageAttributes", {}) or {}
    _message_attributes(attributes, "messageAttributes")
    if _size(request.param("Message") or "", attributes) > MAXIMUM_MESSAGE_BYTES:
        raise invalid("Invalid parameter: Message too long")


def publish_batch_entries(request: Request) -> None:
    entries = request.param("PublishBatchRequestEntries", []) or []
    if len(entries) > 10:
        raise SnsError("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.")
    ids = [entry.get("Id") for entry in entries]
    if len(set(ids)) != len(ids):
        raise SnsError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if len(entry_id) > MAXIMUM_BATCH_ID_LENGTH:
            raise SnsError("InvalidBatchEntryId", f"The Id of a batch entry in the batch request is too long: {entry_id}")
        if not BATCH_ID.match(entry_id):
            raise SnsError("InvalidBatchEntryId",
                           f"The Id of a batch entry in the batch request contains an impermissible character: {entry_id}")
    for index, entry in enumerate(entries, start=1):
        _message_attributes(entry.get("MessageAttributes") or {},
                            f"publishBatchRequestEntries.{index}.member.messageAttributes")
    total = sum(_size(entry.get("Message") or "", entry.get("MessageAttributes") or {}) for entry in entries)
    if total > MAXIMUM_MESSAGE_BYTES:
        raise SnsError("BatchRequestTooLong", "The length of all the messages put together is more than the limit.")
    topic = _topic(request, request.param("TopicArn"))
    for entry in entries:
        _message(entry.get("Message"), entry.get("MessageStructure"), entry.get("Subject"))
        if topic is not None:
            _fifo_entry(topic, entry.get("MessageGroupId"), entry.get("MessageDeduplicationId"))


def _message(message: str | None, structure: str | None, subject: str | None) -> None:
    if subject is not None and not subject.strip():
        raise invalid("Invalid parameter: Subject")
    if not message:
        raise invalid("Invalid parameter: Empty message")
    if structure == "json":
        try:
            document = json.loads(message)
        except ValueError:
            raise invalid("Invalid parameter: Message Structure - JSON message body failed to parse") from None
        if not isinstance(document, dict) or not isinstance(document.get("default"), str):
            raise invalid("Invalid parameter: Message Structure - No default entry in JSON message body")


def _size(message: str, attributes: dict[str, Any]) -> int:
    size = len(message.encode("utf-8"))
    for name, attribute in attributes.items():
        size += len(name.encode("utf-8")) + len(str(attribute.get("DataType") or "").encode("utf-8"))
        value = attribute.get("StringValue", attribute.get("BinaryValue", ""))
        size += len(value if isinstance(value, bytes) else str(value).encode("utf-8"))
    return size


def _message_attributes(attributes: dict[str, Any], path: str) -> None:
    """https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html"""
    for name, attribute in attributes.items():
        _attribute_name(name)
        data_type = attribute.get("DataType")
        if data_type is None:
            raise SnsError("ValidationError", f"1 validation error detected: Value null at '{path}.{name}.member.dataType' "
                                              "failed to satisfy constraint: Member must not be null")
        kind = next((t for t in ATTRIBUTE_TYPES if data_type == t or data_type.startswith(t + ".") and
                     len(data_type) > len(t) + 1), None)
        if kind is None:
            raise SnsError("ParameterValueInvalid",
                           f"The message attribute '{name}' has an invalid message attribute type, the set of supported "
                           "type prefixes is Binary, Number, and String.")
        field = "BinaryValue" if kind == "Binary" else "StringValue"
        other = "StringValue" if kind == "Binary" else "BinaryValue"
        if attribute.get(field) in (None, "", b"") and attribute.get(other) not in (None, "", b""):
            raise SnsError("ParameterValueInvalid",
                           f"The message attribute '{name}' with type '{kind}' must use field "
                           f"'{'Binary' if kind == 'Binary' else 'String'}'.")
        if attribute.get(field) in (None, "", b""):
            raise SnsError("ParameterValueInvalid",
                           f"The message attribute '{name}' must contain non-empty message attribute value for message "
                           f"attribute type '{kind}'.")


def _attribute_name(name: str) -> None:
    if len(name.encode("utf-8")) >= 256:
        raise SnsError("ParameterValueInvalid", "Length of message attribute name must be less than 256 bytes.")
    for character in name:
        if not ATTRIBUTE_NAME_CHARACTER.match(character):
            raise SnsError("ParameterValueInvalid",
                           f"Invalid non-alphanumeric character '#x{ord(character):X}' was found in the message attribute "
                           "name. Can only include alphanumeric characters, hyphens, underscores, or dots.")
    if name.startswith("."):
        raise SnsError("ParameterValueInvalid", "Invalid message attribute name starting with character '.' was found.")
    if name.endswith("."):
        raise SnsError("ParameterValueInvalid", "Invalid message attribute name ending with character '.' was found.")
    if ".." in name:
        raise SnsError("ParameterValueInvalid", "Message attribute name can not have successive '.' character.")


# -- subscriptions --------------------------------------------------------------------------------
def protocol(request: Request) -> None:
    value = request.param("Protocol")
    if value not in PROTOCOLS:
        raise invalid(f"Invalid parameter: Amazon SNS does not support this protocol string: {value}")


def subscribe_attributes(request: Request) -> None:
    attributes = request.param("Attributes", {}) or {}
    for name, value in attributes.items():
        _subscription_attribute(name, value, "Invalid parameter: Attributes Reason: ")
    existing = request.backend._find_subscription(request.param("TopicArn"), request.param("Endpoint"),
                                                  request.param("Protocol"))
    if existing is None:
        return
    for name, value in attributes.items():
        current = existing.attributes.get(name, SUBSCRIPTION_DEFAULTS.get(name))
        if not _same_setting(value, current):
            raise invalid("Invalid parameter: Attributes Reason: Subscription already exists with different attributes")


def _same_setting(wanted: Any, current: Any) -> bool:
    """Booleans in any case, JSON policies by content."""
    if str(wanted).lower() == str(current).lower():
        return True
    try:
        return json.loads(wanted) == json.loads(current)
    except (TypeError, ValueError):
        return False


def set_subscription_attribute(request: Request) -> None:
    name = request.param("AttributeName")
    if name not in SUBSCRIPTION_ATTRIBUTES:
        raise invalid("Invalid parameter: AttributeName")
    subscription = request.backend.subscriptions.get(request.param("SubscriptionArn"))
    if subscription is None:
        raise SnsError("NotFound", "Subscription does not exist")
    value = request.param("AttributeValue", "") or ""
    _subscription_attribute(name, value, "Invalid parameter: ")
    if name == "RedrivePolicy" and value:
        _fifo_dead_letter_queue(subscription, json.loads(value).get("deadLetterTargetArn", ""))


def _fifo_dead_letter_queue(subscription: Any, queue_arn: str) -> None:
    """A FIFO queue subscribed to a FIFO topic needs a FIFO dead-letter queue."""
    fifo = getattr(subscription.topic, "fifo_topic", False) and subscription.endpoint.endswith(".fifo")
    if fifo and not queue_arn.endswith(".fifo"):
        raise invalid("Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a "
                      "FIFO Topic.")


def _subscription_attribute(name: str, value: Any, prefix: str) -> None:
    if name == "RawMessageDelivery" and str(value).lower() not in ("true", "false"):
        raise invalid(f"{prefix}RawMessageDelivery: Invalid value [{value}]. Must be true or false.")
    if name == "FilterPolicyScope" and value not in ("MessageAttributes", "MessageBody"):
        raise invalid(f"{prefix}FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or "
                      "MessageAttributes")
    if name in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy") and value:
        try:
            document = json.loads(value)
        except json.JSONDecodeError as exc:
            raise invalid(f"{prefix}{name}: failed to parse JSON. {_jackson_words(exc)}") from None
        if name == "FilterPolicy" and isinstance(document, dict):
            _filter_policy(document, f"{prefix}FilterPolicy: ")
        if name == "RedrivePolicy" and isinstance(document, dict):
            target = str(document.get("deadLetterTargetArn", ""))
            if len(target.split(":")) < 6 or not target.startswith("arn:"):
                raise invalid(f"{prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn")


def _filter_policy(policy: dict[str, Any], prefix: str) -> None:
    """The rules of https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
    moto does not check (its validator checks the rest, then hooks.py words its errors)."""
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            for branch in value:
                if isinstance(branch, dict):
                    _filter_policy(branch, prefix)
        elif isinstance(value, dict):
            _filter_policy(value, prefix)
        elif not isinstance(value, list):
            raise invalid(f'{prefix}"{key}" must be an object or an array')
        elif not value:
            raise invalid(f"{prefix}Empty arrays are not allowed")
        else:
            for rule in value:
                if isinstance(rule, dict):
                    _match_expression(rule, prefix)


def _match_expression(rule: dict[str, Any], prefix: str) -> None:
    if len(rule) != 1:
        raise invalid(f"{prefix}Only one key allowed in match expression")
    [(operator, operand)] = rule.items()
    if operator in ("prefix", "suffix") and not isinstance(operand, str):
        raise invalid(f"{prefix}{operator} match pattern must be a string")
    if operator == "anything-but" and isinstance(operand, dict):
        for inner, inner_operand in operand.items():
            if inner not in ANYTHING_BUT_OPERATORS:
                raise invalid(f"{prefix}Unsupported anything-but pattern: {inner}")
            if not isinstance(inner_operand, str):
                raise invalid(f"{prefix}{inner} match pattern must be a string")
    if operator == "numeric" and isinstance(operand, list):
        _numeric(operand, prefix)


def _numeric(terms: list[Any], prefix: str) -> None:
    """What moto's numeric checks word otherwise or miss (it checks operators and values itself)."""
    def is_number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    if len(terms) >= 2 and terms[0] == "=" and not is_number(terms[1]):
        raise invalid(f"{prefix}Value of equals must be numeric")
    if len(terms) >= 3 and is_number(terms[1]) and not isinstance(terms[2], str):
        raise invalid(f"{prefix}Bad value in numeric range: {terms[2]}")
    if len(terms) > 4:
        raise invalid(f"{prefix}Too many terms in numeric range expression")


def _jackson_words(error: json.JSONDecodeError) -> str:
    """The reason as AWS's JSON parser words it, for the common mistakes."""
    where = (f"\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
             f"line: {error.lineno}, column: {error.colno}]")
    text = error.doc
    if error.msg.startswith("Expecting property name") and error.pos < len(text):
        character = text[error.pos]
        return (f"Unexpected character ('{character}' (code {ord(character)})): was expecting double-quote to start "
                f"field name{where}")
    if error.msg == "Expecting value":
        token = re.match(r"[A-Za-z0-9_]*", text[error.pos:]).group(0)
        if token:
            column = error.colno + len(token)
            return (f"Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', "
                    f"'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
                    f"disabled); line: {error.lineno}, column: {column}]")
    return f"{error.msg}{where}"


# -- platform applications, SMS -------------------------------------------------------------------
def platform_application(request: Request) -> None:
    attributes = request.param("Attributes")
    if not attributes:
        raise SnsError("ValidationError", "1 validation error detected: Value null at 'attributes' failed to satisfy "
                                          "constraint: Member must not be null")
    name = request.param("Name") or ""
    if not name:
        raise invalid("Invalid parameter:  Reason: cannot be empty")
    if len(name) > 256:
        raise invalid(f"Invalid parameter: {name} Reason: must be at most 256 characters long")
    if not APPLICATION_NAME.match(name):
        raise invalid(f"Invalid parameter: {name} Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', "
                      "'_', '-', and '.'")
    platform = request.param("Platform")
    if platform not in PLATFORMS:
        raise invalid(f"Invalid parameter: Platform Reason: {platform} is not supported")
    if "PlatformPrincipal" in attributes and "PlatformCredential" not in attributes:
        raise invalid("Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential")
    if "PlatformCredential" in attributes and "PlatformPrincipal" not in attributes:
        raise invalid("Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal")


def sms_attributes(request: Request) -> None:
    attributes = request.param("attributes", {}) or {}
    for name, value in attributes.items():
        if name not in SMS_ATTRIBUTES:
            raise invalid(f"{name} is not a valid attribute")
        if name == "DefaultSMSType" and value not in ("Promotional", "Transactional"):
            raise invalid("DefaultSMSType is invalid")


def phone_number(request: Request) -> None:
    if not PHONE_NUMBER.match(request.param("phoneNumber") or ""):
        raise invalid("Invalid parameter: PhoneNumber Reason: input incorrectly formatted")


CHECKS: dict[str, tuple[Callable[[Request], None], ...]] = {
    "CreateTopic": (topic_name, duplicated_tags, existing_topic),
    "GetTopicAttributes": (topic_arn,),
    "SetTopicAttributes": (topic_arn, settable_topic_attribute),
    "DeleteTopic": (topic_arn,),
    "ListSubscriptionsByTopic": (topic_arn,),
    "AddPermission": (topic_arn, permission),
    "Publish": (publish_target, publish_message, publish_fifo),
    "PublishBatch": (topic_arn, publish_batch_entries),
    "Subscribe": (topic_arn, protocol, subscribe_attributes),
    "Unsubscribe": (subscription_arn,),
    "SetSubscriptionAttributes": (set_subscription_attribute,),
    "TagResource": (duplicated_tags,),
    "CreatePlatformApplication": (platform_application,),
    "GetPlatformApplicationAttributes": (platform_application_arn,),
    "SetPlatformApplicationAttributes": (platform_application_arn, platform_application_attributes),
    "SetSMSAttributes": (sms_attributes,),
    "OptInPhoneNumber": (phone_number,),
}
