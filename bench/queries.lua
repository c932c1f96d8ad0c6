-- wrk script: rotate realistic directory queries; print p50, p95 and rate as JSON.
-- Usage: wrk ... -s bench/queries.lua URL -- PATH   (PATH "/healthz" sends no query)
local words = {
  "کارتن", "چرم", "ورق فولاد", "لوله پلاستیک", "كاشي", "رنگ صنعتی", "فیلم بسته‌بندی",
  "ظرف سرامیک", "چسب", "پودر سیر", "كشمش", "سیمان", "پروفیل آلومینیوم", "نخ پشم",
  "کیسه کاغذ", "بطری شیشه", "فوم", "رول", "mdf", "شیر",
}
local filters = { "", "", "", "&category=15", "&category=C", "&category=2220" }
local path, i = "/", 0

local function encode(s)
  return (s:gsub("([^%w%-%._~])", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  path = args[1] or "/"
end

function request()
  i = i + 1
  if path == "/healthz" then
    return wrk.format("GET", path)
  end
  local q = words[(i % #words) + 1]
  local f = filters[(i % #filters) + 1]
  return wrk.format("GET", path .. "?q=" .. encode(q) .. f)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50_ms": %.2f, "p95_ms": %.2f, "rps": %.1f, "requests": %d, "errors": %d, "non_2xx": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
