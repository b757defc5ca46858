"""A Hugging Face Hub stand-in on 127.0.0.1 serving one model folder, for pull and lock tests.

It answers what huggingface_hub asks for a snapshot: the model-info and file-tree APIs (commit,
files) and file resolution (HEAD for metadata, GET for bytes); anything else is a 404.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

COMMIT = "c0ffee" + "0" * 34


def serve(repo: str, folder: Path):
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, body: bytes, headers: dict[str, str], status: int = 200) -> None:
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        def route(self) -> None:
            path = unquote(urlparse(self.path).path)
            requests.append(f"{self.command} {path}")
            if path.startswith(f"/api/models/{repo}/tree/"):
                tree = [
                    {
                        "type": "file",
                        "path": name,
                        "size": len(body),
                        "oid": hashlib.sha1(body).hexdigest(),
                    }
                    for name, body in sorted(files.items())
                ]
                self.answer(json.dumps(tree).encode(), {"Content-Type": "application/json"})
                return
            if path.startswith(f"/api/models/{repo}"):
                info = {
                    "id": repo,
                    "modelId": repo,
                    "sha": COMMIT,
                    "siblings": [{"rfilename": name} for name in sorted(files)],
                }
                self.answer(json.dumps(info).encode(), {"Content-Type": "application/json"})
                return
            prefix = f"/{repo}/resolve/"
            if path.startswith(prefix):
                _, name = path[len(prefix) :].split("/", 1)
                if name in files:
                    body = files[name]
                    etag = f'"{hashlib.sha256(body).hexdigest()}"'
                    self.answer(body, {"ETag": etag, "X-Repo-Commit": COMMIT})
                    return
            self.answer(
                b"{}", {"Content-Type": "application/json", "X-Error-Code": "EntryNotFound"}, 404
            )

        do_GET = do_HEAD = route

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, requests
