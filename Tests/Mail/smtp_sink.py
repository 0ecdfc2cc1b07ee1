"""A real SMTP server for Orchard's mail tests (aiosmtpd), on a free loopback port.

    smtp_sink.py --out DIR [--tls none|starttls|implicit] [--cert PEM --key PEM]
                 [--auth USER:PASSWORD] [--reject ADDRESS] [--defer-first N]

Prints "listening PORT" once it accepts connections, then keeps every message it accepts as
DIR/NNNN.eml (the DATA exactly as received) and DIR/NNNN.json (envelope sender and recipients, the
authenticated user, whether the session was encrypted, and the message decoded by Python's
`email` package as a mail client reads it). With TLS and no --cert it makes a certificate for
localhost into DIR/cert.pem. `--reject` answers 550 to that recipient;
`--defer-first N` answers 451 to the first N messages (a server that asks the sender to retry).
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, out, reject, defer_first):
        self.out = out
        self.reject = {address.lower() for address in reject}
        self.deferred = 0
        self.defer_first = defer_first
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.deferred < self.defer_first:
            self.deferred += 1
            return "451 4.3.0 try again later"
        self.count += 1
        name = os.path.join(self.out, f"{self.count:04d}")
        with open(name + ".eml.part", "wb") as file:
            file.write(envelope.original_content)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        with open(name + ".json", "w") as file:
            json.dump(
                {
                    "mailFrom": envelope.mail_from,
                    "rcptTos": envelope.rcpt_tos,
                    "user": getattr(session, "auth_data", None) and session.auth_data.login.decode(),
                    "encrypted": session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                    # The message as a mail client reads it: decoded headers and parts.
                    "headers": {key: str(value) for key, value in parsed.items()},
                    "subject": str(parsed["subject"]),
                    # Lines as a mail client shows them (MIME text is CRLF on the wire).
                    "text": text.get_content().replace("\r\n", "\n") if text else None,
                    "html": html.get_content().replace("\r\n", "\n") if html else None,
                    "defects": [type(defect).__name__ for defect in parsed.defects],
                },
                file,
            )
        os.rename(name + ".eml.part", name + ".eml")
        return f"250 2.0.0 OK queued as sink-{self.count:04d}"


def main():
    # aiosmtpd warns that credentials are allowed without its STARTTLS: with implicit TLS they are
    # inside TLS from the first byte, which it does not know.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth")
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--defer-first", type=int, default=0)
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)

    context = None
    if arguments.tls != "none":
        if arguments.cert is None:
            # A certificate of its own for localhost and 127.0.0.1; the test trusts OUT/cert.pem.
            arguments.cert = os.path.join(arguments.out, "cert.pem")
            arguments.key = os.path.join(arguments.out, "key.pem")
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-keyout", arguments.key, "-out", arguments.cert, "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                check=True, capture_output=True)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.cert, arguments.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword) or arguments.auth is None:
            return AuthResult(success=False, handled=False)
        user, password = arguments.auth.split(":", 1)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    sink = Sink(arguments.out, arguments.reject, arguments.defer_first)

    def factory():
        return SMTP(
            sink,
            hostname="orchard-test-sink",
            tls_context=context if arguments.tls == "starttls" else None,
            require_starttls=arguments.tls == "starttls",
            authenticator=authenticator if arguments.auth else None,
            auth_required=arguments.auth is not None,
            # Credentials only inside TLS, as a real server insists (a plain test server allows them).
            # (aiosmtpd knows only its own STARTTLS as TLS; implicit TLS is TLS from the first byte.)
            auth_require_tls=arguments.tls == "starttls",
        )

    async def serve():
        server = await asyncio.get_running_loop().create_server(
            factory, "127.0.0.1", 0, ssl=context if arguments.tls == "implicit" else None
        )
        print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
        # Stops when the test closes stdin.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
