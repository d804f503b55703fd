"""Load runs with wrk over loopback, one JSON line of figures from bench/load.lua each."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("load.lua")
MARKER = "BENCH_RESULT "
THREADS = 2
CONNECTIONS = 16


@dataclass(frozen=True)
class LoadFigures:
    requests: int
    seconds: float
    errors: int
    non2xx: int
    ok: int
    stored_now: int
    sent: int
    wrapped: bool
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def clean(self) -> bool:
        """Every request answered, and answered 2xx."""
        return self.errors == 0 and self.non2xx == 0 and self.ok == self.requests


def parse(output: str) -> LoadFigures:
    """The figures of wrk's output; ValueError when the script's line is missing."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line.removeprefix(MARKER))
            return LoadFigures(
                requests=raw["requests"],
                seconds=raw["duration_us"] / 1e6,
                errors=raw["errors"],
                non2xx=raw["non2xx"],
                ok=raw["ok"],
                stored_now=raw["stored_now"],
                sent=raw["sent"],
                wrapped=bool(raw["wrapped"]),
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
            )
    raise ValueError(f"wrk reported no figures:\n{output}")


def command(
    url: str, *, seconds: int, method: str = "GET", headers=(), bodies: Path | None = None
) -> list[str]:
    path = "/" + url.split("/", 3)[3]
    line = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s"]
    for name, value in headers:
        line += ["-H", f"{name}: {value}"]
    line += ["-s", str(SCRIPT), url, "--", method, path]
    if bodies is not None:
        line += [str(bodies), str(THREADS)]
    return line


def run(url: str, **options) -> LoadFigures:
    seconds = options["seconds"]
    done = subprocess.run(
        command(url, **options), capture_output=True, text=True, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}{done.stdout}")
    return parse(done.stdout)
