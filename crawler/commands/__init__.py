"""newsmon's Scrapy commands (COMMANDS_MODULE): ``crawl`` checks a newsmon spider's source first."""
