"""The execution role every function and delivery stream uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Context, Outcome, Resource, error_code


LAMBDA_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:*", "kinesis:*", "dynamodb:*", "sqs:*", "sns:*", "s3:*", "firehose:*", "es:*",
            ],
            "Resource": "*",
        }
    ],
}
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "firehose.amazonaws.com"]},
         "Action": "sts:AssumeRole"}
    ],
}


@dataclass(frozen=True)
class Role(Resource):
    """The execution role Lambda functions and Firehose assume."""

    name: str
    kind: ClassVar[str] = "role"
    order: ClassVar[int] = 5

    def apply(self, ctx: Context) -> Outcome:
        iam = ctx.client("iam")
        outcome = Outcome.UNCHANGED
        try:
            iam.get_role(RoleName=self.name)
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            iam.create_role(RoleName=self.name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
            outcome = Outcome.CREATED
        iam.put_role_policy(RoleName=self.name, PolicyName="cadabra-pipelines", PolicyDocument=json.dumps(LAMBDA_POLICY))
        return outcome

    def destroy(self, ctx: Context) -> Outcome:
        iam = ctx.client("iam")
        try:
            iam.delete_role_policy(RoleName=self.name, PolicyName="cadabra-pipelines")
        except ClientError:
            pass
        try:
            iam.delete_role(RoleName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return Outcome.ABSENT
            raise
