import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_read_from_the_environment_is_in_env_example():
    settings_source = (ROOT / "vchata_social" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*f?"([A-Z_]+)"', settings_source))
    platform_vars = {
        f"SOCIAL_{platform}_{key}"
        for platform, keys in re.findall(r'_platform\(\s*"(\w+)"((?:[^)]*))\)', settings_source)
        for key in ["CLIENT_ID", "CLIENT_SECRET", *re.findall(r"(\w+_URL)=", keys)]
    }
    per_platform = {
        name.replace("{platform}", platform)
        for name in re.findall(r'env\.\w+\(f"([A-Z_]+\{platform\})"', settings_source)
        for platform in ("FACEBOOK", "INSTAGRAM", "TIKTOK", "TWITTER", "LINKEDIN", "YOUTUBE")
    }
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert platform_vars and per_platform  # the per-platform variables were understood
    assert (read | platform_vars | per_platform) - documented == set()
