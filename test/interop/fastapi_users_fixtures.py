"""Password hashes and tokens made the way fastapi-users 15 makes them, with the libraries it uses.

Reads a JSON list of requests on stdin, writes a JSON list of strings on stdout, one per request:
  {"op": "argon2", "password": ...}  pwdlib's Argon2Hasher() (argon2-cffi's current defaults: t=3, m=64 MiB, p=4)
  {"op": "bcrypt", "password": ...}  pwdlib's BcryptHasher() (bcrypt, 12 rounds, prefix 2b)
  {"op": "jwt", "data": {...}, "secret": ..., "lifetime": n|null}  fastapi_users.jwt.generate_jwt (PyJWT, HS256)
  {"op": "token"}  DatabaseStrategy's token: secrets.token_urlsafe()
  {"op": "read", "token": ..., "secret": ...}  JWTStrategy.read_token's decode: the `sub`, or "" when PyJWT refuses it
"""

import json
import secrets
import sys
from datetime import datetime, timedelta, timezone

import argon2
import bcrypt
import jwt

# pwdlib's Argon2Hasher takes argon2-cffi's defaults, which the Debian package (21.1) predates: spelled out here.
ARGON2 = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=argon2.Type.ID)


def generate_jwt(data, secret, lifetime_seconds):
    payload = dict(data)
    if lifetime_seconds:
        payload["exp"] = datetime.now(timezone.utc) + timedelta(seconds=lifetime_seconds)
    return jwt.encode(payload, secret, algorithm="HS256")


def make(request):
    op = request["op"]
    if op == "argon2":
        return ARGON2.hash(request["password"])
    if op == "bcrypt":
        return bcrypt.hashpw(request["password"].encode(), bcrypt.gensalt(12, b"2b")).decode()
    if op == "jwt":
        return generate_jwt(request["data"], request["secret"], request.get("lifetime"))
    if op == "token":
        return secrets.token_urlsafe()
    if op == "read":
        try:
            data = jwt.decode(request["token"], request["secret"], audience=["fastapi-users:auth"], algorithms=["HS256"])
        except jwt.PyJWTError:
            return ""
        return data.get("sub") or ""
    raise ValueError(f"unknown op {op!r}")


json.dump([make(request) for request in json.load(sys.stdin)], sys.stdout)
