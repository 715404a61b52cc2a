// /api/v1/live: Server-Sent Events with the headline figures every cache_ttl (1 s).
#include "server/internal/api.h"
#include "server/internal/list.h"

namespace gm::server {

void AddLiveRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/live", [&ctx](const Request& req) {
                return Answer([&]() -> Result<Response> {
                  if (Status s = CheckParams(req, {}, false); !s.ok()) return s;
                  Response r;
                  r.content_type = "text/event-stream";
                  r.AddHeader("Cache-Control", "no-store");
                  r.AddHeader("X-Accel-Buffering", "no");
                  LiveFeed& live = ctx.live;
                  r.stream = [&live](std::unique_ptr<EventSink> sink) {
                    // Tells the browser to reconnect after 2 s if the stream breaks.
                    if (sink->Send("retry: 2000\n\n")) live.Subscribe(std::move(sink));
                  };
                  return r;
                });
              }});
}

}  // namespace gm::server
