"""The item an article page becomes; analysed and stored by the pipelines."""

import scrapy


class ArticleItem(scrapy.Item):
    source_id = scrapy.Field()       # sources.toml id
    url = scrapy.Field()             # canonical form of the requested URL
    final_url = scrapy.Field()       # after redirects
    status = scrapy.Field()
    content_type = scrapy.Field()
    encoding = scrapy.Field()
    html = scrapy.Field()            # decoded page text (None for a 304)
    fetched_at = scrapy.Field()
    feed_published = scrapy.Field()  # date from the feed entry / sitemap
    feed_updated = scrapy.Field()    # updated / lastmod from the feed entry / sitemap
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    not_modified = scrapy.Field()    # the server answered 304
    drop_reason = scrapy.Field()     # set when the page is not an article
    article = scrapy.Field()         # newsmon.extract result
    claims = scrapy.Field()          # newsmon.claims results
    fingerprint = scrapy.Field()     # text hash, MinHash slots, claim keys (newsmon.analysis)
