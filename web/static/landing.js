// Shows the headline figures of GET /api/v1/live (Server-Sent Events, one per second).
// The API may need a key (auth.enabled): EventSource cannot send headers, so the page reads
// the stream with fetch and asks for a key once (kept in sessionStorage) when refused.
(function () {
  const $ = (id) => document.getElementById(id);
  function show(f) {
    $("orders").textContent = f.orders_last_minute;
    $("revenue").textContent = f.revenue_last_minute;
    $("alerts").textContent = f.alerts_last_minute;
    $("rate").textContent = f.events_per_second;
    $("latest").textContent = f.latest_event_time || "no transactions yet";
    $("time").textContent = f.time;
    $("state").textContent = "live";
  }
  async function run() {
    const key = sessionStorage.getItem("globalmart_api_key");
    const headers = key ? { "X-API-Key": key } : {};
    const resp = await fetch("/api/v1/live", { headers });
    if (resp.status === 401 || resp.status === 403) {
      const entered = window.prompt("API key for the live feed (globalmart apikey create):");
      if (entered) sessionStorage.setItem("globalmart_api_key", entered);
      throw new Error("unauthorized");
    }
    if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (block.startsWith("event: figures") && data) show(JSON.parse(data));
      }
    }
  }
  function loop() {
    run().catch((e) => { $("state").textContent = "live feed unavailable (" + e.message + "), retrying…"; })
      .finally(() => setTimeout(loop, 2000));
  }
  loop();
})();
