"""An execution environment's credentials: its function's execution role, assumed for it.

AWS gives each execution environment temporary credentials of the function's execution role
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``), a session named after the
function (``NAME@lambda_function`` when the name is a single character, below STS's two-character
minimum), so each environment has its own keys and the handler's ``GetCallerIdentity`` names
``assumed-role/ROLE/FUNCTION``. Here moto's STS assumes the role in-process at each cold start
(moto does not require the role to exist; its keys then act in the role's account).
https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime

Known gaps: the credentials do not expire or rotate during an environment's life; IAM policies
are not enforced (moto's).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.arn import parse_as
from sandbox.localcloud import moto_seam as seam

SESSION_SECONDS = 43200  # AWS's environments get 12-hour role sessions, refreshed as they live on


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environment(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


def session_name(function_name: str) -> str:
    return f"{function_name}@lambda_function" if len(function_name) == 1 else function_name


def for_role(role_arn: str, function_name: str, region: str, fallback: Credentials) -> Credentials:
    """Fresh temporary credentials of `role_arn` for one execution environment (`fallback` without a role)."""
    role = parse_as(role_arn or "", "iam", "role")
    if role is None:
        return fallback
    sts = seam.backend("sts", role.account, role.partition)
    assumed = sts.assume_role(
        region_name=region, role_session_name=session_name(function_name), role_arn=role_arn,
        policy=None, duration=SESSION_SECONDS, external_id=None,
    )
    return Credentials(assumed.access_key_id, assumed.secret_access_key, assumed.session_token)
