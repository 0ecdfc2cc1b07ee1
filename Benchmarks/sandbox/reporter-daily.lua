-- wrk script: Reporter Sales.getReport for one daily Summary Sales report, as Apple's tools send it.
-- Usage: TOKEN=... ACCOUNT=... VENDOR=... DATE=20261120 wrk -t2 -c32 -d20s -s reporter-daily.lua http://127.0.0.1:9090
-- With DAYS=N (default 1) requests rotate over the N days ending at DATE (all cached after the first pass).
local token = os.getenv("TOKEN")
local account = os.getenv("ACCOUNT")
local vendor = os.getenv("VENDOR")
local last = os.getenv("DATE") or "20261120"
local days = tonumber(os.getenv("DAYS") or "1")

local function date_minus(yyyymmdd, offset)
  local t = os.time({ year = tonumber(yyyymmdd:sub(1, 4)), month = tonumber(yyyymmdd:sub(5, 6)),
    day = tonumber(yyyymmdd:sub(7, 8)), hour = 12 })
  return os.date("!%Y%m%d", t - offset * 86400)
end

local bodies = {}
for i = 0, days - 1 do
  bodies[#bodies + 1] = 'jsonRequest={"accesstoken":"' .. token .. '","version":"2.2","mode":"Robot.XML","account":"'
    .. account .. '","queryInput":"[p=Reporter.properties, Sales.getReport, ' .. vendor
    .. ',Sales,Summary,Daily,' .. date_minus(last, i) .. ']"}'
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/reportservice/sales/v1", nil, bodies[(n % #bodies) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx answers: %d, socket errors: %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
