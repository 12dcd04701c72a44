"""Mail servers that fail as the tests say: the mail boundary, for failure injection.

- FailingMailBackend: Django's in-memory backend (mail.outbox) refusing the messages a test
  names, as an SMTP server refuses them; selected through settings.EMAIL_BACKEND by the
  `failing_mail_server` fixture (tests/conftest.py), so the code sending runs unchanged.
- MailServer: an SMTP server on this machine, for worker processes. It holds its first
  connection without a word, as a mail server that hangs does (the task sending waits on it
  until its worker is killed), and accepts the mail of every later connection.
"""

import socketserver
import threading

from django.core.mail.backends import locmem


class FailingMailBackend(locmem.EmailBackend):
    # fault(message): the exception the server answers this message with, or None to accept
    # it. Set by the failing_mail_server fixture, for every connection the code opens.
    fault = None

    def send_messages(self, messages):
        sent = 0
        for message in messages:
            error = FailingMailBackend.fault(message) if FailingMailBackend.fault else None
            if error is not None:
                raise error
            sent += super().send_messages([message])
        return sent


class MailServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Session)
        self.connections = 0
        self.held = threading.Event()  # set once the first connection is being held
        self.messages: list[bytes] = []  # the mail accepted, each message's data
        self._lock = threading.Lock()
        self._release = threading.Event()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self._release.set()
        self.shutdown()
        self.server_close()


class _Session(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        with server._lock:
            server.connections += 1
            first = server.connections == 1
        if first:
            server.held.set()
            server._release.wait()
            return
        self.reply(b"220 test ESMTP")
        data = None
        for raw in self.rfile:
            line = raw.rstrip(b"\r\n")
            if data is not None:  # between DATA and the line with a single dot
                if line == b".":
                    server.messages.append(b"\r\n".join(data))
                    data = None
                    self.reply(b"250 accepted")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command == b"DATA":
                data = []
                self.reply(b"354 end with <CRLF>.<CRLF>")
            elif command == b"QUIT":
                self.reply(b"221 bye")
                return
            else:  # EHLO, MAIL, RCPT, RSET, NOOP
                self.reply(b"250 OK")

    def reply(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")
        self.wfile.flush()
