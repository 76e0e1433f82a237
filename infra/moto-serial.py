"""moto server that handles one request at a time, as the tests' stand-in for AWS.

moto's own server is threaded, and its DynamoDB backend does not lock: two concurrent
TransactWriteItems or conditional writes can both pass their condition, which real DynamoDB
never allows. Serialising requests makes each request atomic, as each is on AWS, so the tests
of concurrent deliveries can fail for the reason they exist. HTTP/1.0 closes every connection
after its response, so one client's idle keep-alive connection cannot stall the others.

Usage: moto-serial.py -H 127.0.0.1 -p PORT
"""

import argparse

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


class SerialRequestHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        app,
        threaded=False,
        processes=1,
        request_handler=SerialRequestHandler,
    )


if __name__ == "__main__":
    main()
