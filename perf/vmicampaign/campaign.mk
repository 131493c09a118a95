# perf/campaign (Python, Debian's python3): its unit tests on recorded
# fixtures and a tiny real campaign.
TESTS += tests/campaign/test_campaign.py tests/campaign/tiny-real.sh
