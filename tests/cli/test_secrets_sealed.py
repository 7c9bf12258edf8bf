"""Secrets are sealed everywhere: a server whose user_data embeds a generated secret and a
hidden parameter, against the simulator over HTTP, leaks neither (nor their base64, nor the
base64 Nova echoes inside ``show``) through any command, the saved plan or the database, on
SQLite and on PostgreSQL; the state's files are private; a lost or wrong key is an error."""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cli_kit import CloudProject
from cryptography.fernet import Fernet

from atonix_iac.state import StackKey, State, open_store

pytestmark = pytest.mark.timeout(300)

HIDDEN = "hidden-Pa55-q7Zr-w0rd"
STACK_KEY = StackKey("secrets", "dev", "stack")

SECRET_STACK = """heat_template_version: 2018-08-31
parameters:
  db_password:
    type: string
    hidden: true
  greeting:
    type: string
    default: hello
resources:
  token:
    type: OS::Heat::RandomString
    properties: {length: 24}
  net:
    type: OS::Neutron::Net
    properties: {name: sealed}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.43.0.0/24}
  server:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      name: sealed
      flavor: m1.tiny
      image: cirros
      networks: [{network: {get_resource: net}}]
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            echo GREETING
            echo TOKEN > /etc/app-token
            echo PASSWORD > /etc/app-password
          params:
            GREETING: {get_param: greeting}
            TOKEN: {get_attr: [token, value]}
            PASSWORD: {get_param: db_password}
outputs:
  server_show:
    value: {get_attr: [server, show]}
  server_user_data:
    value: {get_attr: [server, show, user_data]}
  server_name:
    value: {get_attr: [server, name]}
"""

# A workspace of its own: other tests count the objects of workspace `team` in the shared cloud.
SCOPE = ("-w", "secrets", "-E", "dev")
VAR = ("-var", f"db_password={HIDDEN}")


@dataclass
class Database:
    """Where the CLI keeps state in a test, and how to read every byte of it."""

    name: str
    url: str | None = None  # None: the default .atonix/state.db
    schema: str | None = None

    def raw(self, root: Path) -> bytes:
        if self.name == "sqlite":
            return b"".join(p.read_bytes() for p in sorted((root / ".atonix").iterdir()))
        import psycopg
        from _state_kit import libpq_conninfo

        assert self.url is not None
        rows: list[object] = []
        with psycopg.connect(libpq_conninfo(self.url)) as connection:
            tables = connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (self.schema,),
            ).fetchall()
            for (table,) in tables:
                rows += connection.execute(f'SELECT * FROM "{self.schema}"."{table}"').fetchall()
        return repr(rows).encode()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.delenv("ATONIX_STATE_KEY", raising=False)
    if request.param == "sqlite":
        yield Database("sqlite")
        return
    import psycopg
    from _state_kit import libpq_conninfo, postgres_url
    from sqlalchemy.engine import make_url

    try:
        admin = psycopg.connect(libpq_conninfo(postgres_url()), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    schema = f"atonix_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    monkeypatch.setenv("ATONIX_STATE_URL", rendered)
    monkeypatch.setenv("ATONIX_STATE_KEY", Fernet.generate_key().decode())
    try:
        yield Database("postgres", rendered, schema)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _state(cloud: CloudProject, database: Database) -> State:
    store = open_store(database.url, project_dir=cloud.root)
    try:
        return store.load(STACK_KEY)
    finally:
        store.close()


def _bind(cloud: CloudProject) -> None:
    cloud.write(
        "atonix.yaml",
        "workspaces:\n  secrets:\n    environments:\n"
        "      dev: {cloud: atonix-sim, project: demo, region: RegionOne}\n",
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret[:12] + "..." for secret in secrets if secret in text]


def test_no_command_file_or_row_shows_a_secret(
    cloud_project: CloudProject, database: Database
) -> None:
    cloud = cloud_project
    _bind(cloud)
    cloud.write("stack.yaml", SECRET_STACK)
    seen: dict[str, str] = {}

    def run(*args: str, code: int = 0) -> str:
        result = cloud.run(*args)
        assert result.exit_code == code, (args, result.output)
        assert "Traceback" not in result.output
        seen[" ".join(args)] = result.output
        return result.stdout

    run("plan", *SCOPE, *VAR, "-out", "p.plan")
    run("apply", *SCOPE, *VAR, "p.plan")
    state = _state(cloud, database)
    token = state.resources["token"].attributes["value"]
    first_script = script = state.resources["server"].properties["user_data"]
    assert token in script and HIDDEN in script
    server = state.resources["server"]
    assert server.attributes["show"]["user_data"] == _b64(script)  # Nova echoes it base64
    assert {"user_data"} <= server.sensitive_properties
    assert "show" in server.sensitive_attributes
    assert "name" not in server.sensitive_attributes  # the rule is per attribute
    assert state.sensitive_outputs == {"server_show", "server_user_data"}

    # A change of user_data: before and after both hold secrets, in every plan rendering.
    changed = ("-var", "greeting=bonjour")
    run("plan", *SCOPE, *VAR, *changed, "-out", "p2.plan")
    run("plan", "-json", *SCOPE, *VAR, *changed)
    for view in ((), ("-json",), ("-markdown",)):
        run("show", *view, "p2.plan")
    run("apply", "-json", "-auto-approve", *SCOPE, *VAR, *changed)
    state = _state(cloud, database)
    script = state.resources["server"].properties["user_data"]
    assert "bonjour" in script and token in script
    for args in (
        ("show", *SCOPE),
        ("show", "-json", *SCOPE),
        ("state", "show", "server", *SCOPE),
        ("state", "show", "token", *SCOPE),
        ("state", "pull", *SCOPE),
        ("output", *SCOPE),
        ("output", "-json", *SCOPE),
        ("output", "server_name", *SCOPE),
        ("refresh", *SCOPE),
        ("state", "show", "server", *SCOPE),  # after refresh read `show` back
        ("plan", *SCOPE, *VAR, *changed, "-detailed-exitcode"),
        ("audit", *SCOPE),
        ("audit", "--json", *SCOPE),
    ):
        run(*args)
    assert json.loads(seen[f"output -json {' '.join(SCOPE)}"])["server_name"]["value"] == "sealed"

    secrets = [token, HIDDEN, _b64(token), _b64(HIDDEN), _b64(first_script), _b64(script)]
    for command, text in seen.items():
        assert not _leaks(text, secrets), command
    for plan_file in ("p.plan", "p2.plan"):
        path = cloud.root / plan_file
        assert not _leaks(gzip.decompress(path.read_bytes()).decode(), secrets), plan_file
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = database.raw(cloud.root).decode("latin-1")
    assert "sealed" in raw  # plain values are readable at rest...
    assert not _leaks(raw, secrets)  # ...secret ones are not

    # Asked for, the secrets are there: the document can be pushed back.
    full = run("state", "pull", "-include-secrets", *SCOPE)
    assert token in full and HIDDEN in full and _b64(script) in full
    assert json.loads(run("output", "-json", "server_user_data", *SCOPE)) == _b64(script)

    run("destroy", "-auto-approve", *SCOPE, *VAR)
    assert not _leaks(seen[f"destroy -auto-approve {' '.join(SCOPE)} {' '.join(VAR)}"], secrets)


CLOUD_FREE = """heat_template_version: 2018-08-31
parameters:
  db_password: {type: string, hidden: true}
resources:
  token:
    type: OS::Heat::RandomString
    properties: {length: 20}
  config:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: "token=TOKEN password=PASSWORD"
          params: {TOKEN: {get_attr: [token, value]}, PASSWORD: {get_param: db_password}}
outputs:
  config: {value: {get_attr: [config, value]}}
"""


def test_state_files_are_private(cloud_project: CloudProject) -> None:
    directory, _ = _applied_cloud_free(cloud_project)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    names = {p.name for p in directory.iterdir()}
    assert {"state.db", "state.key"} <= names
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def _applied_cloud_free(cloud: CloudProject) -> tuple[Path, list[tuple[object, ...]]]:
    cloud.write("stack.yaml", CLOUD_FREE)
    result = cloud.run("apply", "-auto-approve", *VAR)
    assert result.exit_code == 0, result.output
    directory = cloud.root / ".atonix"
    return directory, _rows(directory)


def _rows(directory: Path) -> list[tuple[object, ...]]:
    """The stack row and every resource row, read with plain sqlite3 (no key needed)."""
    with sqlite3.connect(directory / "state.db") as connection:
        stacks = connection.execute("SELECT serial, outputs, secrets FROM stacks").fetchall()
        resources = connection.execute("SELECT * FROM resources ORDER BY id").fetchall()
    return stacks + resources


@pytest.mark.parametrize("command", [("show",), ("state", "pull"), ("plan", *VAR), ("output",)])
def test_a_lost_key_file_is_an_error_and_no_key_is_made(
    cloud_project: CloudProject, command: tuple[str, ...]
) -> None:
    directory, before = _applied_cloud_free(cloud_project)
    (directory / "state.key").unlink()

    result = cloud_project.process(*command)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "holds encrypted secrets but their key file" in lines[0]
    assert "state.key is missing" in lines[0] and "ATONIX_STATE_KEY" in lines[0]
    assert not (directory / "state.key").exists()  # no fresh key
    assert not any(p.name.startswith(".state.key") for p in directory.iterdir())
    assert _rows(directory) == before


def test_a_wrong_key_is_an_error_and_the_state_is_untouched(cloud_project: CloudProject) -> None:
    directory, before = _applied_cloud_free(cloud_project)

    wrong = Fernet.generate_key().decode()
    applied = cloud_project.process("apply", "-auto-approve", *VAR, ATONIX_STATE_KEY=wrong)
    shown = cloud_project.process("output", "config", ATONIX_STATE_KEY=wrong)

    for result in (applied, shown):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "ATONIX_STATE_KEY is not the key they were written with" in result.stderr
        assert HIDDEN not in result.stdout + result.stderr
    assert _rows(directory) == before
    assert cloud_project.run("output", "-json", "config").exit_code == 0  # the file key works


@pytest.mark.parametrize(
    "database", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_server_database_without_a_key_fails_before_any_cloud_call(
    cloud_project: CloudProject, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATONIX_STATE_KEY")
    _bind(cloud_project)
    cloud_project.write("stack.yaml", SECRET_STACK)
    cloud_project.sim.clear_request_log()

    result = cloud_project.run("apply", "-auto-approve", *SCOPE, *VAR)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "no state key is set: set ATONIX_STATE_KEY" in result.stderr
    assert cloud_project.writes() == []  # nothing made in the cloud that state cannot record
    assert HIDDEN.encode() not in database.raw(cloud_project.root)


def test_refresh_seals_what_an_older_version_left_in_the_clear(cloud_project: CloudProject) -> None:
    """State as an older version wrote it (user_data not secret, so `show` plain), made by
    pushing a document with those marks taken off; refresh seals both, and says so."""
    cloud = cloud_project
    _bind(cloud)
    cloud.write("stack.yaml", SECRET_STACK)
    assert cloud.run("apply", "-auto-approve", *SCOPE, *VAR).exit_code == 0
    document = json.loads(cloud.run("state", "pull", "-include-secrets", *SCOPE).stdout)
    for resource in document["resources"]:
        if resource["address"] == "server":
            resource["sensitive_properties"] = []
            resource["sensitive_attributes"] = []
            script = resource["properties"]["user_data"]
    cloud.write("old.json", json.dumps(document))
    assert cloud.run("state", "push", "-force", "old.json", *SCOPE).exit_code == 0
    (cloud.root / "old.json").unlink()
    database = Database("sqlite")
    assert _b64(script).encode() in database.raw(cloud.root)  # the older version's state

    refreshed = cloud.run("refresh", *SCOPE)

    assert refreshed.exit_code == 0, refreshed.output
    assert "Sealed secrets state held in the clear: server" in refreshed.stdout
    raw = database.raw(cloud.root)
    for secret in (script, _b64(script), HIDDEN):
        assert secret.encode() not in raw
    shown = cloud.run("state", "show", "server", *SCOPE).stdout
    user_data_line = next(line for line in shown.splitlines() if "user_data " in line)
    assert user_data_line.endswith("= (sensitive value)") and _b64(script) not in shown
    assert "Sealed" not in cloud.run("refresh", *SCOPE).stdout  # once is enough
    assert cloud.run("destroy", "-auto-approve", *SCOPE, *VAR).exit_code == 0
