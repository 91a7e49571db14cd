"""One spider per outlet. Each module declares its outlet's feeds, URL patterns and page
layouts; the crawling and parsing they share is ``newscrawl.spider.NewsSpider``."""
