"""SNS answers in AWS's form where moto's differ (sandbox/localcloud/sns/answers.py)."""

from __future__ import annotations

import json
import uuid

from sandbox.aws import client


def test_topic_attributes_report_aws_default_effective_delivery_policy_and_no_empty_delivery_policy(localcloud):
    sns = client("sns", localcloud.settings)
    arn = sns.create_topic(Name=f"lc-answers-{uuid.uuid4().hex[:8]}")["TopicArn"]

    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]

    assert "DeliveryPolicy" not in attributes
    effective = json.loads(attributes["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert effective["http"]["defaultRequestPolicy"] == {"headerContentType": "text/plain; charset=UTF-8"}


def test_subscription_attributes_name_the_principal_that_subscribed(localcloud):
    settings = localcloud.settings
    sns = client("sns", settings)
    arn = sns.create_topic(Name=f"lc-answers-{uuid.uuid4().hex[:8]}")["TopicArn"]
    subscription = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com",
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]

    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]

    assert attributes["SubscriptionPrincipal"] == f"arn:aws:iam::{settings.account_id}:user/moto"


def test_list_pages_have_opaque_base64_tokens(localcloud):
    import base64

    sns = client("sns", localcloud.settings)
    arn = sns.create_topic(Name=f"lc-answers-{uuid.uuid4().hex[:8]}")["TopicArn"]
    for n in range(101):
        sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint=f"+1231231{n:03d}")

    first = sns.list_subscriptions_by_topic(TopicArn=arn)
    assert len(first["Subscriptions"]) == 100 and base64.b64decode(first["NextToken"])
    second = sns.list_subscriptions_by_topic(TopicArn=arn, NextToken=first["NextToken"])

    assert len(second["Subscriptions"]) == 1 and "NextToken" not in second
    assert second["Subscriptions"][0]["SubscriptionArn"] not in {s["SubscriptionArn"] for s in first["Subscriptions"]}
