"""pyarrow.flight against a server with authentication, one with TLS and one with mutual TLS.

Authentication is pyarrow's `authenticate_basic_token` (Basic in, Bearer
out) with the Bearer header on every later call through
`FlightCallOptions(headers=...)`, the Handshake RPC with a BasicAuth payload,
and the users' permissions as docs/security.md describes them. TLS is
`fl.connect("grpc+tls://...", tls_root_certs=...)`, mutual TLS adds
`cert_chain` and `private_key`; certificates are made by openssl for the run.
"""

import base64

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import hangar_flight as hf
from conftest import USERS

TABLE = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": pa.array(["ada", "grace", None])})


def _login(server, user, password=None):
    client = server.connect()
    header = client.authenticate_basic_token(user, password if password is not None else USERS[user][0])
    return client, fl.FlightCallOptions(headers=[header])


def _put(client, path, table, options):
    writer, _ = client.do_put(fl.FlightDescriptor.for_path(*path), table.schema, options=options)
    writer.write_table(table)
    writer.close()


def _read(client, path, options):
    info = client.get_flight_info(fl.FlightDescriptor.for_path(*path), options=options)
    return pa.concat_tables(client.do_get(e.ticket, options=options).read_all() for e in info.endpoints)


# ----------------------------------------------------------------------------------------------
# Authentication
# ----------------------------------------------------------------------------------------------

def test_basic_token_gives_a_bearer_header_for_later_calls(hangar_auth):
    client = hangar_auth.connect()
    name, value = client.authenticate_basic_token("writer", USERS["writer"][0])
    assert name == b"authorization" and value.startswith(b"Bearer hgr1."), (name, value)
    options = fl.FlightCallOptions(headers=[(name, value)])
    _put(client, ["auth_people"], TABLE, options)
    assert _read(client, ["auth_people"], options).equals(TABLE)
    assert client.get_schema(fl.FlightDescriptor.for_path("auth_people"), options=options).schema == TABLE.schema
    assert ("auth_people",) in {tuple(p.decode() for p in f.descriptor.path) for f in client.list_flights(
        options=options)} or ("default", "auth_people") in {tuple(p.decode() for p in f.descriptor.path)
                                                            for f in client.list_flights(options=options)}
    assert client.list_actions(options=options)
    client.close()


def test_calls_without_credentials_are_unauthenticated(hangar_auth):
    client = hangar_auth.connect()
    for rpc, call in [("ListFlights", lambda: list(client.list_flights())),
                      ("GetFlightInfo", lambda: client.get_flight_info(fl.FlightDescriptor.for_path("x"))),
                      ("DoGet", lambda: client.do_get(fl.Ticket(b"x")).read_all()),
                      ("ListActions", lambda: client.list_actions()),
                      ("DoAction", lambda: list(client.do_action(fl.Action("ListTables", b""))))]:
        refusal = hf.refused(rpc, call)
        assert refusal is not None and refusal.code == "UNAUTHENTICATED", (rpc, refusal)
    with pytest.raises(fl.FlightUnauthenticatedError):
        list(client.list_flights(options=fl.FlightCallOptions(headers=[(b"authorization", b"Bearer not-a-token")])))
    client.close()


def test_wrong_password_and_unknown_user_get_the_same_answer(hangar_auth):
    answers = []
    for user, password in [("reader", "wrong"), ("nobody", "wrong")]:
        client = hangar_auth.connect()
        refusal = hf.refused("Handshake", lambda: client.authenticate_basic_token(user, password))
        client.close()
        assert refusal is not None and refusal.code == "UNAUTHENTICATED", refusal
        answers.append(refusal.message)
    assert answers[0] == answers[1], answers


def test_basic_header_on_any_call(hangar_auth):
    client = hangar_auth.connect()
    basic = b"Basic " + base64.b64encode(f"reader:{USERS['reader'][0]}".encode())
    options = fl.FlightCallOptions(headers=[(b"authorization", basic)])
    assert isinstance(list(client.list_flights(options=options)), list)
    client.close()


class _BasicAuthHandshake(fl.ClientAuthHandler):
    """Handshake with a BasicAuth payload; the answer's payload is the token."""

    def __init__(self, user, password):
        super().__init__()
        self.basic = fl.BasicAuth(user, password)
        self.token = b""

    def authenticate(self, outgoing, incoming):
        outgoing.write(self.basic.serialize())
        self.token = incoming.read()

    def get_token(self):
        return self.token


def test_handshake_with_basic_auth_payload(hangar_auth):
    client = hangar_auth.connect()
    handler = _BasicAuthHandshake("reader", USERS["reader"][0])
    client.authenticate(handler)
    assert handler.token.startswith(b"hgr1."), handler.token
    options = fl.FlightCallOptions(headers=[(b"authorization", b"Bearer " + handler.token)])
    assert isinstance(list(client.list_flights(options=options)), list)
    client.close()
    bad = hangar_auth.connect()
    with pytest.raises(fl.FlightUnauthenticatedError):
        bad.authenticate(_BasicAuthHandshake("reader", "wrong"))
    bad.close()


def test_permissions(hangar_auth):
    admin, admin_options = _login(hangar_auth, "admin")
    _put(admin, ["perm_open"], TABLE, admin_options)
    _put(admin, ["sales", "perm_secret"], TABLE, admin_options)

    reader, reader_options = _login(hangar_auth, "reader")
    assert _read(reader, ["perm_open"], reader_options).equals(TABLE)
    listed = {tuple(p.decode() for p in f.descriptor.path) for f in reader.list_flights(options=reader_options)}
    assert not any("perm_secret" in p for p in listed), f"ListFlights shows the reader a table it may not read: {listed}"
    for rpc, call in [
        ("DoPut", lambda: _put(reader, ["perm_open"], TABLE, reader_options)),
        ("GetFlightInfo", lambda: reader.get_flight_info(fl.FlightDescriptor.for_path("sales", "perm_secret"),
                                                         options=reader_options)),
        ("DoGet", lambda: reader.do_get(fl.Ticket(b"sales.perm_secret"), options=reader_options).read_all()),
        ("DoAction", lambda: list(reader.do_action(fl.Action("DropTable", b'{"name": "perm_open"}'),
                                                   options=reader_options))),
    ]:
        refusal = hf.refused(rpc, call)
        assert refusal is not None and refusal.code == "PERMISSION_DENIED", (rpc, refusal)
        assert "reader" in refusal.message, refusal

    writer, writer_options = _login(hangar_auth, "writer")
    _put(writer, ["perm_open"], TABLE, writer_options)
    refusal = hf.refused("DoPut", lambda: _put(writer, ["sales", "perm_secret"], TABLE, writer_options))
    assert refusal is not None and refusal.code == "PERMISSION_DENIED", refusal
    assert _read(admin, ["perm_open"], admin_options).num_rows == 6
    for c in (admin, reader, writer):
        c.close()


def test_unknown_action_is_unimplemented_for_every_user(hangar_auth):
    reader, options = _login(hangar_auth, "reader")
    refusal = hf.refused("DoAction", lambda: list(reader.do_action(fl.Action("NoSuchAction", b""), options=options)))
    reader.close()
    assert refusal is not None and refusal.code == "UNIMPLEMENTED" and "NoSuchAction" in refusal.message, refusal


def test_renew_flight_endpoint_is_open_to_every_user(hangar_auth):
    # Flight's standard action: Hangar's tickets do not expire, so the
    # endpoint comes back as it was, to any user holding one.
    reader, options = _login(hangar_auth, "reader")
    endpoint = fl.FlightEndpoint(b'{"table": "default.t"}', [])
    body = endpoint.serialize()
    request = b"\x0a" + _varint(len(body)) + body  # RenewFlightEndpointRequest { endpoint = 1 }
    results = list(reader.do_action(fl.Action("RenewFlightEndpoint", request), options=options))
    reader.close()
    assert len(results) == 1
    assert fl.FlightEndpoint.deserialize(results[0].body.to_pybytes()) == endpoint


def _varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


# ----------------------------------------------------------------------------------------------
# TLS and mutual TLS
# ----------------------------------------------------------------------------------------------

def test_tls_with_root_certs(hangar_tls, tls_files):
    client = fl.connect(hangar_tls.url, tls_root_certs=tls_files.read(tls_files.ca))
    _put(client, ["tls_people"], TABLE, None)
    assert _read(client, ["tls_people"], None).equals(TABLE)
    client.close()
    # The certificate names localhost too.
    by_name = fl.connect(f"grpc+tls://localhost:{hangar_tls.port}", tls_root_certs=tls_files.read(tls_files.ca))
    assert by_name.do_get(fl.Ticket(b"tls_people")).read_all().equals(TABLE)
    by_name.close()


def test_tls_refuses_clients_that_do_not_trust_it(hangar_tls, tls_files):
    options = fl.FlightCallOptions(timeout=10)
    untrusting = fl.connect(hangar_tls.url, tls_root_certs=tls_files.read(tls_files.other_ca))
    with pytest.raises(fl.FlightUnavailableError):
        list(untrusting.list_flights(options=options))
    untrusting.close()
    plaintext = fl.connect(f"grpc://127.0.0.1:{hangar_tls.port}")
    with pytest.raises(fl.FlightUnavailableError):
        list(plaintext.list_flights(options=options))
    plaintext.close()


def test_mutual_tls(hangar_mtls, tls_files):
    client = fl.connect(hangar_mtls.url, tls_root_certs=tls_files.read(tls_files.ca),
                        cert_chain=tls_files.read(tls_files.client_cert),
                        private_key=tls_files.read(tls_files.client_key))
    _put(client, ["mtls_people"], TABLE, None)
    assert _read(client, ["mtls_people"], None).equals(TABLE)
    client.close()

    options = fl.FlightCallOptions(timeout=10)
    without_cert = fl.connect(hangar_mtls.url, tls_root_certs=tls_files.read(tls_files.ca))
    with pytest.raises(fl.FlightUnavailableError):
        list(without_cert.list_flights(options=options))
    without_cert.close()
    stranger = fl.connect(hangar_mtls.url, tls_root_certs=tls_files.read(tls_files.ca),
                          cert_chain=tls_files.read(tls_files.other_client_cert),
                          private_key=tls_files.read(tls_files.other_client_key))
    with pytest.raises(fl.FlightUnavailableError):
        list(stranger.list_flights(options=options))
    stranger.close()


# ----------------------------------------------------------------------------------------------
# Flight SQL statement tickets
# ----------------------------------------------------------------------------------------------

def _field(number, payload):
    """A protobuf length-delimited field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _statement_query(sql):
    """A descriptor command: google.protobuf.Any of CommandStatementQuery { query = 1 }."""
    any_type = b"type.googleapis.com/arrow.flight.protocol.sql.CommandStatementQuery"
    return fl.FlightDescriptor.for_command(_field(1, any_type) + _field(2, _field(1, sql.encode())))


def test_a_statement_ticket_runs_with_the_permissions_of_whoever_redeems_it(hangar_auth):
    # A statement ticket carries its query; it is not bound to the user who
    # asked for it, so each DoGet checks the redeeming user's permissions again.
    admin, admin_options = _login(hangar_auth, "admin")
    _put(admin, ["other", "secrets"], pa.table({"code": [7]}), admin_options)
    _put(admin, ["default", "open_rows"], pa.table({"n": [1, 2]}), admin_options)
    secret_ticket = admin.get_flight_info(_statement_query("SELECT code FROM other.secrets"),
                                          options=admin_options).endpoints[0].ticket
    open_ticket = admin.get_flight_info(_statement_query("SELECT n FROM open_rows ORDER BY n"),
                                        options=admin_options).endpoints[0].ticket
    assert admin.do_get(secret_ticket, options=admin_options).read_all().column(0).to_pylist() == [7]

    reader, reader_options = _login(hangar_auth, "reader")
    refusal = hf.refused("DoGet", lambda: reader.do_get(secret_ticket, options=reader_options).read_all())
    assert refusal is not None and refusal.code == "PERMISSION_DENIED", refusal
    assert "other.secrets" in refusal.message, refusal
    assert reader.do_get(open_ticket, options=reader_options).read_all().column(0).to_pylist() == [1, 2]
    reader.close()
    admin.close()
