"""sources.toml: the documented keys load; every mistake names its key and line."""

import pytest

from newsmon.config import ConfigError, load_config, parse_config, parse_schedule

GOOD = """
[newsmon]
max_concurrent_crawls = 2

[sources.herald]
name = "Herald"
kind = "feed"
urls = ["http://127.0.0.1:8000/feed.xml"]
schedule = "every 30m"
enabled = true
allowed_domains = ["127.0.0.1"]
settings = { DOWNLOAD_DELAY = 2 }

[sources.ledger]
name = "Ledger"
kind = "listing"
urls = ["http://127.0.0.1:8000/ledger/"]
schedule = "*/15 * * * *"
article_patterns = ['/ledger/\\d{4}/']

[sources.custom]
kind = "spider"
spider = "mysite"
enabled = false
"""


def test_shipped_sources_toml_is_valid():
    config = load_config("sources.toml")
    assert len(config.enabled_sources()) >= 3
    assert all(s.kind == "feed" for s in config.enabled_sources())


def test_every_documented_key_loads():
    config = parse_config(GOOD)
    herald = config.get("herald")
    assert herald.kind == "feed" and herald.settings == {"DOWNLOAD_DELAY": 2}
    assert herald.spider_name == "news"
    assert config.get("ledger").article_patterns == [r"/ledger/\d{4}/"]
    assert config.get("custom").spider_name == "mysite"
    assert [s.id for s in config.enabled_sources()] == ["herald", "ledger"]
    assert config.get("ledger").allowed_domains == ["127.0.0.1"]  # derived from urls


@pytest.mark.parametrize("schedule, expected", [
    ("every 30m", ("interval", 1800)), ("every 6h", ("interval", 21600)),
    ("every 2d", ("interval", 172800)), ("every 5s", ("interval", 5)),
    ("*/15 6-23 * * *", ("cron", "*/15 6-23 * * *")),
])
def test_schedules(schedule, expected):
    assert parse_schedule(schedule) == expected


@pytest.mark.parametrize("bad, message", [
    ('kind = "rss"', "key 'kind' must be one of"),
    ('schedule = "sometimes"', "key 'schedule'"),
    ('schedule = "61 * * * *"', "bad cron expression"),
    ('urls = ["ftp://x/feed"]', "not an http(s) URL"),
    ('colour = "blue"', "unknown key(s) colour"),
    ('enabled = "yes"', "key 'enabled' must be true or false"),
])
def test_errors_name_the_key_and_line(bad, message):
    text = GOOD.replace('schedule = "every 30m"', bad) if "schedule" in bad else GOOD.replace(
        'enabled = true', bad) if "enabled" in bad else GOOD.replace(
        'kind = "feed"', bad) if "kind" in bad else GOOD.replace(
        'urls = ["http://127.0.0.1:8000/feed.xml"]', bad) if "urls" in bad else GOOD.replace(
        'name = "Herald"', f'name = "Herald"\n{bad}')
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert message in str(info.value)
    assert "[sources.herald]" in str(info.value)
    assert "sources.toml:" in str(info.value)  # a line number follows


def test_listing_needs_patterns():
    with pytest.raises(ConfigError, match="article_patterns"):
        parse_config('[sources.x]\nkind = "listing"\nurls = ["http://127.0.0.1/"]\n')


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_config("[sources.x\nkind=")
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_source_lists_known_ones():
    with pytest.raises(ConfigError, match=r"unknown source 'nope'.*herald"):
        parse_config(GOOD).get("nope")
