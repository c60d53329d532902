"""Adding and checking a source: the logic behind ``newsmon add-source`` and ``check-source``.

``discover(url)`` starts from a site's address and finds how to crawl it, in
this order of preference:

1. feeds: ``<link rel="alternate" type="application/rss+xml|atom+xml">`` on the
   page (or the URL is a feed itself), else a few common feed paths (/feed,
   /rss.xml, /feed.xml, /atom.xml, /index.xml);
2. sitemaps: robots.txt ``Sitemap:`` lines, else /sitemap.xml and
   /sitemap_index.xml; indexes are followed one level, Google News sitemaps
   are preferred;
3. article links on the page itself, recognised by URL shape (dated paths,
   long slugs, numeric ids under a shared section prefix) and generalised into
   ``article_patterns`` regexes.

Every candidate is verified by fetching a few of the pages it points to and
running :func:`newsmon.analysis.analyze_page` on them: a feed of comments or
a sitemap of product pages is not proposed. The result is a
:class:`Proposal` that renders as a commented ``[sources.<id>]`` table.

``dry_run(source, config)`` runs the real crawl (the same spider and item
pipelines as ``newsmon crawl``) into a throwaway database, capped at a few
article pages, and reads back what the crawl would have stored;
``article_problems`` says what looks wrong with an extracted article.

No Scrapy import (the dry run starts Scrapy in a subprocess). Modules:
``fetch`` (urllib fetching), ``urls`` (article-shaped links), ``schedule``
(a polling schedule from entry dates), ``discover`` (finding and verifying
candidates), ``entry`` (the proposed entry and sources.toml), ``dryrun``
(check-source).
Fetching uses urllib with a timeout, a size cap and newsmon's User-Agent, and
refuses loopback/private addresses other than the host the user gave, the
same policy as the crawler's SafeFetchMiddleware.
"""
