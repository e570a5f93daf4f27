// What a call to Hangar is, decoded once: HangarService::Resolve reads the
// request of a call (a descriptor, a ticket or an action) into one Route,
// with the access it needs, before anything else happens; the server
// checks that access and the route's handler serves the call with what was
// decoded. Nothing looks at the request's bytes again.
//
//   Flight SQL        a descriptor command, ticket or action body that is a
//                     google.protobuf.Any of arrow.flight.protocol.sql, or
//                     one of Flight SQL's actions: SqlRoute (sql/flight_sql.h);
//                     bulk ingest (CommandStatementIngest) is a table put:
//                     BulkIngest
//   a topic           path ["kafka", topic], a command {"topic": ...}, or a
//                     topic ticket (topic_ticket.h): TopicRead, TopicPut
//   a table           anything else (table_flights.h): TableRead, TableGet,
//                     TablePut, TableIngest
//   an action         one of HangarService::Actions(): ActionRoute;
//                     any other: UnknownAction
//
// A new kind of request gets a struct here, a branch in Resolve and a case
// in the handlers (hangar_service.cc).
#pragma once

#include <memory>
#include <variant>

#include "base/status.h"
#include "flight/server.h"
#include "server/create_table.h"
#include "server/table_flights.h"
#include "server/topic_ticket.h"
#include "sql/flight_sql.h"

namespace hangar::server {

// Flight SQL's own: the service's decoded call.
struct SqlRoute {
  std::shared_ptr<sql::FlightSqlService::Call> call;
};
// CommandStatementIngest: Flight SQL's bulk ingest, written as a table put.
struct BulkIngest {
  sql::IngestTarget target;
};
// GetFlightInfo, PollFlightInfo, GetSchema and ListFlights of a table.
struct TableRead {
  TableTarget target;
};
// DoGet of a table's ticket.
struct TableGet {
  TableTicket ticket;
};
// DoPut into a table.
struct TablePut {
  TableTarget target;
};
// DoExchange: streaming ingest into a table.
struct TableIngest {
  TableTarget target;
};
// GetFlightInfo, PollFlightInfo, GetSchema and DoGet of a topic.
struct TopicRead {
  TopicRequest request;
};
// DoPut into a topic (DoExchange into one is refused: TopicPut too).
struct TopicPut {
  TopicRequest request;
};
struct ActionSpec;  // hangar_service.h
// One of Hangar's actions, with the table it acts on (resolved once: what
// was checked is what is acted on), or the error its body gives.
struct ActionRoute {
  const ActionSpec* spec = nullptr;
  store::QualifiedName name;                 // kTable and kBareName actions
  std::optional<CreateTableRequest> create;  // kNewTable: the table to create
  Status invalid;                            // the body is not the action's: its answer
};
// An action Hangar does not have: open to every user, who hears
// UNIMPLEMENTED rather than PERMISSION_DENIED.
struct UnknownAction {};

using Route = std::variant<SqlRoute, BulkIngest, TableRead, TableGet, TablePut, TableIngest, TopicRead, TopicPut,
                           ActionRoute, UnknownAction>;

// A route with what the caller must be allowed.
struct ResolvedRoute {
  Route route;
  flight::AccessRequest access;
};

}  // namespace hangar::server
