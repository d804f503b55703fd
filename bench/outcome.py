"""What a scenario found: its figures, and its checks."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    name: str
    met: bool
    # A target (full run only) or a correctness check (every run).
    target: bool = True


@dataclass
class Outcome:
    scenario: str
    lines: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)
        print(f"  {line}", flush=True)

    def check(self, name: str, met: bool, *, target: bool = True) -> None:
        self.checks.append(Check(name, met, target))
        print(f"  [{'ok' if met else 'MISSED' if target else 'FAILED'}] {name}", flush=True)
