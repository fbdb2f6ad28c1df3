"""The child process of ``kg.sparql_worker``: ``python -m kg.sparql_child NQ_PATH MAX_MEMORY_MB``."""

from kg.query import Engines, answer_request
from kg.sparql_worker import serve

if __name__ == "__main__":
    serve(answer_request, Engines)
