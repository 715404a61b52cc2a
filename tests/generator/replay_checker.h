#pragma once

// An independent checker for generated event streams: it replays emitted events with the
// rules of DESIGN.md §6 (sessions by session_id, carts: add +q, update sets q, remove sets
// 0, a transaction empties the cart, abandonment 1 min after the last cart activity) and
// reports funnel figures and every violation of the generator's contract. It shares no
// code with the simulator beyond the public catalog and customer lookups.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/event.h"
#include "generator/catalog.h"
#include "generator/customers.h"

namespace gm::generator::testing {

struct ReplayReport {
  int64_t events = 0;
  int64_t per_topic[events::kTopicCount] = {};
  int64_t sessions = 0;
  int64_t converted_sessions = 0;  //!< sessions with at least one transaction
  int64_t carts = 0;               //!< cart episodes: an add to an empty cart
  int64_t abandoned = 0;           //!< DESIGN.md §6 abandonments
  int64_t recovered = 0;           //!< abandoned carts later bought in the same session
  int64_t checked_out = 0;         //!< carts ended by a transaction in time
  int64_t emptied = 0;             //!< carts emptied by removes
  int64_t open_at_end = 0;         //!< carts whose timeout had not passed when input ended
  int64_t checkouts = 0;           //!< transactions buying a cart
  int64_t buy_nows = 0;            //!< transactions while the cart was empty
  int64_t violation_count = 0;
  std::vector<std::string> violations;  //!< the first few, for messages

  double Conversion() const { return sessions ? double(converted_sessions) / sessions : 0; }
  //! Abandoned / (abandoned + checked out): carts emptied by hand or still open excluded.
  double Abandonment() const {
    const int64_t decided = abandoned + checked_out;
    return decided ? double(abandoned) / decided : 0;
  }
};

class ReplayChecker {
 public:
  ReplayChecker(const Catalog& catalog, const Customers& customers);

  //! Feeds the next emitted event (in emission order).
  void Add(const events::Event& e);
  //! Closes the replay at the last event's time and returns the figures.
  ReplayReport Finish();

 private:
  struct Line {
    int32_t quantity = 0;
    Cents price = 0;
  };
  struct SessionState {
    std::string user;
    Micros first = 0;
    Micros last = 0;
    std::vector<std::string> viewed;
    std::map<std::string, Line> cart;  // product → line with quantity > 0
    Micros last_cart_activity = 0;
    bool abandoned = false;  // the current cart episode was abandoned
    bool converted = false;
    bool closed = false;  // its user has since started another session
  };

  void Violation(const std::string& what);
  void CheckProduct(const std::string& id, const std::string& category, Cents* price);
  void CheckUser(const std::string& id);
  SessionState& Touch(const std::string& session_id, const std::string& user, Micros t);
  void SettleTimeout(SessionState& s, Micros now);

  const Catalog& catalog_;
  const Customers& customers_;
  ReplayReport report_;
  Micros last_time_ = INT64_MIN;
  std::unordered_map<std::string, SessionState> sessions_;
  std::unordered_map<std::string, std::string> current_session_;  // user → session id
};

}  // namespace gm::generator::testing
