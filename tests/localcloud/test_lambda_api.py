"""Lambda API answers localcloud forms beyond moto's, through boto3: account settings, layers, aliases,
invoke validation (sandbox/localcloud/awslambda/)."""

from __future__ import annotations

import io
import zipfile

import pytest
from botocore.exceptions import ClientError

from sandbox.aws import client
from tests.localcloud.test_lambda_executor import _function, _zip


def _layer_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/helper.py", "X = 1\n")
    return buf.getvalue()


def test_account_settings_count_functions_versions_layers_and_reserved_concurrency(localcloud):
    lam = client("lambda", localcloud.settings)
    before = lam.get_account_settings()
    assert before["AccountLimit"] == {
        "TotalCodeSize": 80530636800,
        "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 1000,
    }
    assert before["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}

    name = _function(localcloud.settings)
    code_size = len(_zip())
    created = lam.get_account_settings()["AccountUsage"]
    assert created == {"TotalCodeSize": code_size, "FunctionCount": 1}

    lam.publish_version(FunctionName=name)  # a published version's code counts again
    lam.publish_layer_version(LayerName="lc-test-layer", Content={"ZipFile": _layer_zip()})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    after = lam.get_account_settings()
    assert after["AccountUsage"] == {"TotalCodeSize": 2 * code_size + len(_layer_zip()), "FunctionCount": 1}
    assert after["AccountLimit"]["UnreservedConcurrentExecutions"] == 993


def test_layer_version_by_arn_answers_as_get_layer_version(localcloud):
    lam = client("lambda", localcloud.settings)
    published = lam.publish_layer_version(LayerName="lc-test-layer", Content={"ZipFile": _layer_zip()})
    by_arn = lam.get_layer_version_by_arn(Arn=published["LayerVersionArn"])
    assert by_arn["LayerVersionArn"] == published["LayerVersionArn"]
    assert by_arn["Version"] == 1
    assert by_arn["Content"]["CodeSize"] == len(_layer_zip())
    with pytest.raises(ClientError) as missing:
        lam.get_layer_version_by_arn(Arn=published["LayerVersionArn"][:-1] + "9")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_aliases_are_listed_by_function_arn(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.create_alias(FunctionName=arn, FunctionVersion="$LATEST", Name="live", Description="first")
    aliases = lam.list_aliases(FunctionName=arn)["Aliases"]
    assert [(alias["Name"], alias["Description"]) for alias in aliases] == [("live", "first")]
