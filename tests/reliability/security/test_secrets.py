"""No secrets in the repository: every tracked file is scanned for credential shapes.

The sandbox's own credentials are the documented local ones (AWS `test`/`test`, PostgreSQL
`cadabra`/`cadabra`); anything shaped like a real key fails, with the file and line to fix.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from sandbox.settings import PROJECT_ROOT

PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"(?i)aws_?secret_?access_?key['\"]?\s*[:=]\s*['\"]?(?!test\b)[A-Za-z0-9/+]{40,}"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
    "password in a URL": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?!cadabra@|test@|postgres@|password@|\{)[^/\s@'\"]{6,}@"),
}
AMAZON_EXAMPLE_KEYS = {"AKIAIOSFODNN7EXAMPLE"}  # the AWS documentation's placeholder


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def scan(text: str) -> list[tuple[int, str]]:
    hits = []
    for number, line in enumerate(text.splitlines(), 1):
        for kind, pattern in PATTERNS.items():
            match = pattern.search(line)
            if match and match.group(0) not in AMAZON_EXAMPLE_KEYS:
                hits.append((number, kind))
    return hits


def test_no_tracked_file_holds_a_credential():
    found = []
    files = tracked_files()
    assert len(files) > 50
    for name in files:
        path = PROJECT_ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (gzip samples); their text is generated data
        found += [f"{name}:{line}: {kind}" for line, kind in scan(data.decode(errors="replace"))]
    assert not found, "secrets in the repository (remove them, rotate them):\n" + "\n".join(found)


@pytest.mark.parametrize("text", [
    "key = AKIA" + "Z3Q4R5T6Y7U8I9O0",
    "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "-----BEGIN RSA " + "PRIVATE KEY-----",
    "token: ghp_" + "a" * 36,
    "dsn = postgresql://admin:" + "s3cr3tpass@db.example.com/x",
])
def test_the_scanner_catches_each_shape(text):
    assert scan(text)


@pytest.mark.parametrize("text", ["aws_secret_access_key = test", "postgresql://cadabra:cadabra@127.0.0.1:5439/dev",
                                  "AKIAIOSFODNN7EXAMPLE"])
def test_the_sandbox_credentials_are_not_secrets(text):
    assert not scan(text)
