"""Item pipelines: what happens to an article item after its spider built it.

Order (``ITEM_PIPELINES``): ``dedupe`` drops an article already emitted, ``text_files``
writes its seed-format document; Scrapy's feed exports then write the JSON line.
"""
