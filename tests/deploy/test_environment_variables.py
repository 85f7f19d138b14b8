"""Every variable config/settings/ reads is in docs/operations.md and in the Kubernetes config."""

from __future__ import annotations

import ast
import re

from tests.deploy.helpers import k8s_resource
from tests.helpers import ROOT

READERS = {"str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "db", "db_url", "path"}


def settings_variables() -> set[str]:
    """Names passed to env.<reader>(...), env(...), env_url(...) or web_url(...) in config/settings/."""
    names: set[str] = set()
    modules = sorted((ROOT / "config" / "settings").glob("*.py"))
    for node in (node for path in modules for node in ast.walk(ast.parse(path.read_text()))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
            and func.attr in READERS
        ) or (isinstance(func, ast.Name) and func.id in {"env", "env_url", "web_url"})
        first = node.args[0]
        if reads and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def documented_variables() -> set[str]:
    """The first column of the table under "## Environment variables" in docs/operations.md."""
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text[text.index("\n## Environment variables\n") :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_settings_parser_finds_the_variables_it_should() -> None:
    found = settings_variables()
    # One of each way settings read a variable, so a change of style cannot empty the list.
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "UPLOAD_MAX_REQUEST_BYTES"} <= found
    assert {"EXPORT_RETRY_BASE_SECONDS", "S3_ENDPOINT_URL", "LOG_FORMAT"} <= found
    assert len(found) > 40


def test_every_settings_variable_is_in_the_operations_guide_table() -> None:
    missing = settings_variables() - documented_variables()
    assert not missing, f"add to the table of docs/operations.md: {sorted(missing)}"


def test_every_settings_variable_is_in_the_configmap_or_the_secret_and_only_one() -> None:
    config = set(k8s_resource("ConfigMap", "upload-center-config")["data"])
    secret = set(k8s_resource("Secret", "upload-center-secrets")["stringData"])
    variables = settings_variables()
    assert not config & secret
    missing = variables - config - secret
    assert not missing, f"add to deploy/k8s/configmap.yaml or secret.yaml: {sorted(missing)}"
    assert (config | secret) - variables == set(), "keys that no setting reads"
