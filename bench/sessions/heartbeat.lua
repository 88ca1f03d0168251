-- wrk script: heartbeats (GET /streaming) spread over the 10,000 sessions bench/sessions/run.sh opened.
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/streaming?account=hb-" .. (counter % 10000) .. "&streamId=tv")
end
