"""Uses the Python client generated from openapi/openapi.json (by
openapi-python-client) against a live demo hub, as an analyst would: the
metric catalogue, then one benchmark, checked against the hub's own JSON.

Run by scripts/openapi-client-test.sh with the generated package on
PYTHONPATH and EDI_HUB_URL / EDI_HUB_TOKEN set."""

import json
import os
import sys
import urllib.request

from edi_hub_api_client import AuthenticatedClient
from edi_hub_api_client.api.benchmarks import benchmark, list_metrics
from edi_hub_api_client.models import BenchmarkAnswer, MetricCatalogue

url = os.environ["EDI_HUB_URL"]
token = os.environ["EDI_HUB_TOKEN"]
client = AuthenticatedClient(base_url=url, token=token)

catalogue = list_metrics.sync(client=client)
assert isinstance(catalogue, MetricCatalogue), catalogue
ids = [m.id for m in catalogue.metrics]
assert len(ids) == 10 and "workforce_share" in ids, ids
share = next(m for m in catalogue.metrics if m.id == "workforce_share")
assert [p.name for p in share.parameters][:1] == ["group"], share.parameters

# The latest published quarter, from the collection rounds the hub lists
# (the demo's newest quarter is still collecting: analysts see none of it).
request = urllib.request.Request(f"{url}/api/v1/periods", headers={"Authorization": f"Bearer {token}"})
with urllib.request.urlopen(request) as r:
    rounds = json.load(r)["periods"]
assert rounds[0]["state"] == "collecting", rounds[0]
period = next(p["period"] for p in rounds if p["state"] == "published")

answer = benchmark.sync("workforce_share", client=client, period=period, group="black", pay_band="4")
assert isinstance(answer, BenchmarkAnswer), answer
assert answer.metric == "workforce_share" and answer.period == period
organisations = [r for r in answer.rows if r.scope == "organisation"]
assert len(organisations) >= 30, len(organisations)
london = next(r for r in answer.rows if r.scope == "london")

# The same answer read without the generated client: equal row for row.
query = f"{url}/api/v1/benchmarks/workforce_share?period={period}&group=black&pay_band=4"
with urllib.request.urlopen(urllib.request.Request(query, headers={"Authorization": f"Bearer {token}"})) as r:
    raw = json.load(r)
assert len(raw["rows"]) == len(answer.rows)
for typed, plain in zip(answer.rows, raw["rows"]):
    assert typed.organisation == plain["organisation"] and typed.value == plain["value"], (typed, plain)
    assert list(typed.suppressed) == plain["suppressed"]
withheld = sum(1 for r in organisations if "value" in r.suppressed)
print(
    f"generated client: {len(ids)} metrics; workforce_share (black, pay band 4) {period}: "
    f"{len(organisations)} boroughs ({withheld} withheld), London {london.value}"
)
sys.exit(0)
