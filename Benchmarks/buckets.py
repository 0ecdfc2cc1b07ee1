"""The product-type buckets of docs/REPORTS.md (Product types and buckets), shared by the Python baselines."""

BUCKETS = ["downloads", "redownloads", "updates", "inAppPurchases", "restores", "other"]
KNOWN = {
    **dict.fromkeys("1 1F 1T F1 1E 1EP 1EU 1-B F1-B".split(), "downloads"),
    **dict.fromkeys("3 3F 3T F3".split(), "redownloads"),
    **dict.fromkeys("7 7F 7T F7".split(), "updates"),
    **dict.fromkeys("IA1 IA1-M FI1 IA9 IA9-M IAY IAY-M IAC".split(), "inAppPurchases"),
    "IA3": "restores",
}
_cache = {}


def bucket_of(identifier):
    bucket = _cache.get(identifier)
    if bucket is None:
        if identifier in KNOWN:
            bucket = KNOWN[identifier]
        elif identifier.startswith(("1", "F1")):
            bucket = "downloads"
        elif identifier.startswith("3"):
            bucket = "redownloads"
        elif identifier.startswith("7"):
            bucket = "updates"
        elif identifier.startswith(("IA", "FI")):
            bucket = "inAppPurchases"
        else:
            bucket = "other"
        _cache[identifier] = bucket
    return bucket
