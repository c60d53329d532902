"""Feeds and sitemaps: every format yields its entries; broken or hostile XML is refused."""

import pytest

from newsmon.feeds import DiscoveryError, parse_feed, parse_sitemap, sitemaps_from_robots

BASE = "http://127.0.0.1:9/"

RSS2 = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>http://127.0.0.1:9/a/1.html?utm_source=rss</link>
<pubDate>Tue, 03 Sep 2026 10:00:00 +0200</pubDate></item>
<item><title>Two</title><link>/a/2.html</link></item></channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="x"><title>T</title></channel>
<item rdf:about="http://127.0.0.1:9/m/1.html"><title>M1</title><link>http://127.0.0.1:9/m/1.html</link>
<dc:date>2026-09-04T08:30:00Z</dc:date></item></rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>T</title><id>x</id><updated>2026-09-05T00:00:00Z</updated>
<entry><title>A1</title><id>tag:1</id><link href="http://127.0.0.1:9/at/1.html"/>
<published>2026-09-05T09:00:00Z</published><updated>2026-09-06T09:00:00Z</updated></entry></feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://127.0.0.1:9/w/1.html</loc><lastmod>2026-09-07T10:00:00+00:00</lastmod>
<news:news><news:publication><news:name>W</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2026-09-07T09:00:00+00:00</news:publication_date><news:title>W1</news:title></news:news></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://127.0.0.1:9/s1.xml</loc></sitemap><sitemap><loc>/s2.xml</loc></sitemap></sitemapindex>"""

LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1:9/&lol3;</loc></url></urlset>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1:9/&xxe;</loc></url></urlset>"""


def test_rss2_entries_with_utc_dates():
    entries = parse_feed(RSS2, BASE)
    assert [e["url"] for e in entries] == ["http://127.0.0.1:9/a/1.html?utm_source=rss",
                                           "http://127.0.0.1:9/a/2.html"]
    assert entries[0]["published"] == "2026-09-03T08:00:00Z"


def test_rss1_and_atom():
    assert parse_feed(RSS1, BASE)[0]["published"] == "2026-09-04T08:30:00Z"
    atom = parse_feed(ATOM, BASE)[0]
    assert atom["url"] == "http://127.0.0.1:9/at/1.html"
    assert atom["updated"] == "2026-09-06T09:00:00Z"


def test_not_a_feed_is_an_error():
    with pytest.raises(DiscoveryError):
        parse_feed(b"<html><body>hello</body></html>", BASE)


def test_google_news_sitemap():
    kind, entries = parse_sitemap(NEWS_SITEMAP, BASE)
    assert kind == "urlset"
    assert entries == [{"url": "http://127.0.0.1:9/w/1.html", "title": "W1",
                        "published": "2026-09-07T09:00:00Z", "updated": "2026-09-07T10:00:00Z"}]


def test_sitemap_index_resolves_relative_locs():
    kind, entries = parse_sitemap(INDEX, BASE)
    assert kind == "sitemapindex"
    assert [e["url"] for e in entries] == ["http://127.0.0.1:9/s1.xml", "http://127.0.0.1:9/s2.xml"]


def test_entities_are_never_expanded():
    for body in (LAUGHS, XXE):
        try:
            _, entries = parse_sitemap(body, BASE)
        except DiscoveryError:
            continue
        assert all("lollol" not in e["url"] and "root:" not in e["url"] for e in entries)


def test_malformed_and_capped_sitemaps():
    with pytest.raises(DiscoveryError, match="malformed"):
        parse_sitemap(b"<urlset><url><loc>x</loc>", BASE)
    with pytest.raises(DiscoveryError, match="not a sitemap"):
        parse_sitemap(b"<html/>", BASE)
    many = b"<urlset>" + b"".join(b"<url><loc>/p%d</loc></url>" % i for i in range(500)) + b"</urlset>"
    assert len(parse_sitemap(many, BASE, max_entries=100)[1]) == 100


def test_robots_sitemap_lines():
    robots = "User-agent: *\nDisallow: /private/\nSitemap: /wire/sitemap_index.xml\n"
    assert sitemaps_from_robots(robots, "http://127.0.0.1:9/robots.txt") == [
        "http://127.0.0.1:9/wire/sitemap_index.xml"]
