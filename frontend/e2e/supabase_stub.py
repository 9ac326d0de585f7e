"""A stand-in for a Supabase project's HTTP endpoints, for the hosted browser test (e2e/hosted.test.mjs).

GoTrue and PostgREST cannot run on these machines, so this answers only what the hosted dashboard
and the API send to Supabase, on 127.0.0.1:
- Auth (`/auth/v1/*`): sign-up, the password and refresh-token grants, the magic link (`otp`, with
  `verify` redirecting back with the session in the URL fragment, as GoTrue's implicit flow does),
  `user`, `logout`, and the admin `invite` the API calls with the service-role key. Users are rows
  of the test database's auth.users; access tokens are HS256 JWTs signed with the same secret the
  API verifies. Mails go to an outbox the test reads (`GET /__outbox`), like Supabase's Inbucket.
- PostgREST (`/rest/v1/*`): `rpc/<fn>` and the few table reads and writes the dashboard makes
  (select with `eq` filters, order and limit; insert; update; delete), run on the real Postgres as
  the JWT's role with `request.jwt.claims` set (`set local`), as PostgREST does, so the row-level
  security and the functions' own checks being tested are the real ones.
Usage: python supabase_stub.py PORT DATABASE_URL JWT_SECRET
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import psycopg
from argon2 import PasswordHasher
from psycopg import sql

PORT, DATABASE_URL, SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
STATUS = {"42501": 403, "23505": 409, "23503": 409, "P0001": 400, "PGRST116": 406}
hasher = PasswordHasher()
refresh_tokens: dict[str, str] = {}  # refresh token -> user id
link_tokens: dict[str, str] = {}  # one-time verify token -> user id
outbox: list[dict] = []


def connect():
    return psycopg.connect(DATABASE_URL, autocommit=True)


def user_json(row) -> dict:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"id": str(row[0]), "aud": "authenticated", "role": "authenticated", "email": row[1], "phone": "",
            "email_confirmed_at": now, "confirmed_at": now, "last_sign_in_at": now, "created_at": now, "updated_at": now,
            "app_metadata": {"provider": "email", "providers": ["email"]}, "user_metadata": {}, "identities": [],
            "is_anonymous": False}


def session(user_id: str) -> dict:
    with connect() as conn:
        row = conn.execute("select id, email from auth.users where id = %s", (user_id,)).fetchone()
    now = int(time.time())
    claims = {"sub": str(row[0]), "email": row[1], "role": "authenticated", "aud": "authenticated", "iat": now,
              "exp": now + 3600, "session_id": str(uuid.uuid4()), "aal": "aal1", "is_anonymous": False,
              "app_metadata": {"provider": "email"}, "user_metadata": {}}
    refresh = secrets.token_urlsafe(16)
    refresh_tokens[refresh] = str(row[0])
    return {"access_token": jwt.encode(claims, SECRET, algorithm="HS256"), "token_type": "bearer", "expires_in": 3600,
            "expires_at": now + 3600, "refresh_token": refresh, "user": user_json(row)}


class Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # --- plumbing -------------------------------------------------------------------------------
    def answer(self, status: int, payload=None, headers: dict | None = None):
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                            "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Content-Range",
                            "X-Supabase-Api-Version": "2024-01-01", **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the page moved on (a reload, a navigation)
            self.close_connection = True

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else {}

    def claims(self) -> dict:
        """The caller's JWT (the user's access token, or the anon key), checked like PostgREST does."""
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip() or self.headers.get("apikey", "")
        return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})

    def do_OPTIONS(self):  # noqa: N802
        self.answer(200, None, {"Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
                                "Access-Control-Allow-Headers": self.headers.get("Access-Control-Request-Headers", "*"),
                                "Access-Control-Max-Age": "600"})

    def do_GET(self):  # noqa: N802
        self.route("GET")

    def do_POST(self):  # noqa: N802
        self.route("POST")

    def do_PATCH(self):  # noqa: N802
        self.route("PATCH")

    def do_DELETE(self):  # noqa: N802
        self.route("DELETE")

    def route(self, method: str):
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            if url.path == "/__outbox":
                return self.answer(200, outbox)
            if url.path.startswith("/auth/v1/"):
                return self.auth(method, url.path.removeprefix("/auth/v1/"), query)
            if url.path.startswith("/rest/v1/"):
                return self.rest(method, url.path.removeprefix("/rest/v1/"), query)
            self.answer(404, {"message": f"not stubbed: {method} {url.path}"})
        except jwt.InvalidTokenError as err:
            self.answer(401, {"code": "PGRST301", "message": f"JWT invalid: {err}"})
        except psycopg.Error as err:
            state = err.sqlstate or "XX000"
            self.answer(STATUS.get(state, 400), {"code": state, "message": err.diag.message_primary or str(err),
                                                 "details": err.diag.message_detail, "hint": err.diag.message_hint})

    # --- GoTrue ---------------------------------------------------------------------------------
    def auth(self, method: str, path: str, query: dict):
        if path == "signup":
            body = self.body()
            with connect() as conn:
                row = conn.execute("insert into auth.users (email, encrypted_password) values (lower(%s), %s) "
                                   "on conflict (lower(email)) do nothing returning id",
                                   (body["email"], hasher.hash(body["password"]))).fetchone()
            if row is None:
                return self.answer(422, {"code": 422, "error_code": "user_already_exists", "msg": "User already registered"})
            return self.answer(200, session(str(row[0])))
        if path == "token" and query.get("grant_type") == "password":
            body = self.body()
            with connect() as conn:
                row = conn.execute("select id, encrypted_password from auth.users where lower(email) = lower(%s)",
                                   (body["email"],)).fetchone()
            try:
                ok = row is not None and row[1] is not None and hasher.verify(row[1], body["password"])
            except Exception:  # argon2's VerifyMismatchError and friends: a wrong password
                ok = False
            if not ok:
                return self.answer(400, {"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"})
            return self.answer(200, session(str(row[0])))
        if path == "token" and query.get("grant_type") == "refresh_token":
            user_id = refresh_tokens.pop(self.body().get("refresh_token", ""), None)
            if user_id is None:
                return self.answer(400, {"code": 400, "error_code": "refresh_token_not_found", "msg": "Invalid Refresh Token"})
            return self.answer(200, session(user_id))
        if path in ("otp", "invite"):
            return self.send_link(path, self.body(), query)
        if path == "verify":
            user_id = link_tokens.pop(query.get("token", ""), None)
            if user_id is None:
                return self.answer(303, None, {"Location": f"{query['redirect_to']}#error=access_denied&error_code=otp_expired"})
            fragment = {k: v for k, v in session(user_id).items() if k != "user"} | {"type": query.get("type", "magiclink")}
            return self.answer(303, None, {"Location": f"{query['redirect_to']}#{urlencode(fragment)}"})
        if path == "user":
            claims = self.claims()
            with connect() as conn:
                row = conn.execute("select id, email from auth.users where id = %s", (claims["sub"],)).fetchone()
            return self.answer(200, user_json(row))
        if path == "logout":
            return self.answer(204)
        self.answer(404, {"code": 404, "msg": f"not stubbed: {method} /auth/v1/{path}"})

    def send_link(self, kind: str, body: dict, query: dict):
        """A magic link (otp) or an invitation (admin, service-role key): the mail goes to the outbox."""
        if kind == "invite" and self.claims().get("role") != "service_role":
            return self.answer(401, {"code": 401, "error_code": "not_admin", "msg": "User not allowed"})
        with connect() as conn:
            existing = conn.execute("select id from auth.users where lower(email) = lower(%s)", (body["email"],)).fetchone()
            if kind == "invite" and existing:
                return self.answer(422, {"code": 422, "error_code": "email_exists",
                                         "msg": "A user with this email address has already been registered"})
            row = existing or conn.execute("insert into auth.users (email) values (lower(%s)) returning id",
                                           (body["email"],)).fetchone()
        token = secrets.token_urlsafe(16)
        link_tokens[token] = str(row[0])
        redirect = query.get("redirect_to", "")
        link = f"http://127.0.0.1:{PORT}/auth/v1/verify?" + urlencode({"token": token, "type": kind, "redirect_to": redirect})
        outbox.append({"kind": kind, "email": body["email"].lower(), "link": link, "redirect_to": redirect,
                       "apikey": self.headers.get("apikey")})
        self.answer(200, {} if kind == "otp" else user_json((row[0], body["email"].lower())))

    # --- PostgREST ------------------------------------------------------------------------------
    def rest(self, method: str, path: str, query: dict):
        claims = self.claims()
        role = claims.get("role")
        if role not in ("anon", "authenticated"):
            return self.answer(401, {"code": "PGRST301", "message": f"role {role!r} is not served here"})
        if path.startswith("rpc/"):
            statement, params = self.rpc_sql(path.removeprefix("rpc/"), self.body())
        else:
            statement, params = self.table_sql(method, path, query, self.body() if method in ("POST", "PATCH") else {})
        with connect() as conn, conn.transaction():
            conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
            conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
            result = conn.execute(statement, params).fetchone()[0]
        if "vnd.pgrst.object" in (self.headers.get("Accept") or "") and isinstance(result, list):
            if len(result) != 1:
                return self.answer(406, {"code": "PGRST116", "message": f"JSON object requested, {len(result)} rows returned"})
            result = result[0]
        self.answer(201 if method == "POST" and not path.startswith("rpc/") else 200, result)

    @staticmethod
    def rpc_sql(fn: str, args: dict):
        """public.fn(name => value, ...): a set as a JSON array, anything else as its JSON value."""
        if not NAME.match(fn) or not all(NAME.match(k) for k in args):
            raise psycopg.errors.UndefinedFunction(f"bad function or argument name in {fn}")
        call = sql.SQL("public.{}({})").format(sql.Identifier(fn), sql.SQL(", ").join(
            sql.SQL("{} => %s").format(sql.Identifier(k)) for k in args))
        values = [None if v is None else json.dumps(v) if isinstance(v, (dict, list)) else str(v).lower()
                  if isinstance(v, bool) else str(v) for v in args.values()]
        with connect() as conn:
            returns_set = conn.execute("select bool_or(proretset) from pg_proc where proname = %s "
                                       "and pronamespace = 'public'::regnamespace", (fn,)).fetchone()[0]
        if returns_set:
            return sql.SQL("select coalesce(json_agg(t), '[]') from {} t").format(call), values
        return sql.SQL("select to_json({})").format(call), values

    @staticmethod
    def table_sql(method: str, table: str, query: dict, body: dict):
        """The dashboard's table calls: select/insert/update/delete with `eq` filters, order, limit."""
        columns = [c.strip() for c in query.pop("select", "*").split(",")]
        order, limit = query.pop("order", None), query.pop("limit", None)
        query.pop("columns", None)
        names = [table, *[c for c in columns if c != "*"], *query, *body]
        if not all(NAME.match(n) for n in names):
            raise psycopg.errors.UndefinedColumn(f"not stubbed: {table} {columns} {list(query)}")
        target = sql.SQL("public.{}").format(sql.Identifier(table))
        returning = sql.SQL("*") if columns == ["*"] else sql.SQL(", ").join(map(sql.Identifier, columns))
        where, params = [], []
        for column, condition in query.items():
            op, _, value = condition.partition(".")
            if op == "eq":
                where.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(value)
            elif op == "is" and value == "null":
                where.append(sql.SQL("{} is null").format(sql.Identifier(column)))
            else:
                raise psycopg.errors.FeatureNotSupported(f"not stubbed: filter {column}={condition}")
        filters = sql.SQL(" where ") + sql.SQL(" and ").join(where) if where else sql.SQL("")
        if method == "GET":
            statement = sql.SQL("select {} from {}{}").format(returning, target, filters)
            if order:
                column, _, direction = order.partition(".")
                statement += sql.SQL(" order by {} {}").format(sql.Identifier(column),
                                                                sql.SQL("desc" if direction == "desc" else "asc"))
            if limit:
                statement += sql.SQL(" limit {}").format(sql.Literal(int(limit)))
        else:
            if method == "POST":
                statement = sql.SQL("insert into {} ({}) values ({}) returning {}").format(
                    target, sql.SQL(", ").join(map(sql.Identifier, body)), sql.SQL(", ").join([sql.Placeholder()] * len(body)),
                    returning)
                params = [None if v is None else str(v) for v in body.values()] + params
            elif method == "PATCH":
                statement = sql.SQL("update {} set {}{} returning {}").format(
                    target, sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in body), filters, returning)
                params = [None if v is None else str(v) for v in body.values()] + params
            else:
                statement = sql.SQL("delete from {}{} returning {}").format(target, filters, returning)
        return sql.SQL("with t as ({}) select coalesce(json_agg(t), '[]') from t").format(statement) \
            if method != "GET" else sql.SQL("select coalesce(json_agg(t), '[]') from ({}) t").format(statement), params


class Server(ThreadingHTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    print(f"supabase stub on http://127.0.0.1:{PORT}", flush=True)
    Server(("127.0.0.1", PORT), Stub).serve_forever()
