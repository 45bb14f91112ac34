/**
 * The stand-ins' HTTPS server: python3 (in the host image) serving files over TLS with the lab's
 * server certificate. A path is looked up first in the per-start directory (signatures, keys,
 * and files a test swaps in), then in the cached site. Each request is logged as one line on
 * stdout ("GET /path 200"), so tests can count downloads with `docker logs`.
 */
export const SERVER_SCRIPT = String.raw`
import http.server, os, posixpath, signal, ssl, sys, urllib.parse

ROOTS = sys.argv[1].split(':')
CERT, KEY, PORT = sys.argv[2], sys.argv[3], int(sys.argv[4])

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def translate_path(self, path):
        path = urllib.parse.unquote(path.split('?', 1)[0].split('#', 1)[0])
        parts = [p for p in posixpath.normpath(path).split('/') if p and p not in ('.', '..')]
        for root in ROOTS:
            candidate = os.path.join(root, *parts)
            if os.path.isfile(candidate):
                return candidate
        return os.path.join(ROOTS[-1], *parts, '.missing')

    def list_directory(self, path):
        self.send_error(404, 'Not Found')
        return None

    def log_message(self, format, *args):
        pass

    def log_request(self, code='-', size='-'):
        sys.stdout.write('%s %s %s\n' % (self.command, self.path, code))
        sys.stdout.flush()

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = http.server.ThreadingHTTPServer(('0.0.0.0', PORT), Handler)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
print('serving https on port %d' % PORT, flush=True)
server.serve_forever()
`;
