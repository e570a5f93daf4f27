#include "cli/sql_statement.h"

#include <cstdio>

#include "sql/flight_sql_client.h"
#include "sql/insert_statement.h"

namespace hangar::cli {

namespace {
Status Cancelled() { return Status::Cancelled("the query was cancelled"); }
}  // namespace

Status StatementRun::Run(const std::string& sql, const std::function<Result<std::unique_ptr<BatchSink>>()>& make_sink) {
  {
    std::lock_guard lock(mu_);
    cancelled_ = false;
    info_.reset();
  }
  HANGAR_ASSIGN_OR_RETURN(auto insert, sql::ParseInsert(sql));
  if (insert) {
    HANGAR_ASSIGN_OR_RETURN(auto rows, sql::RunClientUpdate(client_, sql));
    std::fprintf(stderr, "%lld row%s inserted\n", static_cast<long long>(rows), rows == 1 ? "" : "s");
    return Status::OK();
  }
  HANGAR_ASSIGN_OR_RETURN(auto sink, make_sink());
  Status st = Query(sql, *sink);
  std::lock_guard lock(mu_);
  info_.reset();
  if (cancelled_) return Cancelled();
  return st;
}

Status StatementRun::Query(const std::string& sql, BatchSink& sink) {
  HANGAR_ASSIGN_OR_RETURN(auto info, client_.GetFlightInfo(sql::StatementQueryDescriptor(sql)));
  {
    std::lock_guard lock(mu_);
    if (cancelled_) return Cancelled();
    info_ = info;
  }
  HANGAR_RETURN_NOT_OK(sink.Begin(info.schema ? info.schema : arrow::schema({})));
  for (const auto& endpoint : info.endpoints) {
    HANGAR_ASSIGN_OR_RETURN(auto reader, client_.DoGet(endpoint.ticket));
    {
      std::lock_guard lock(mu_);
      if (cancelled_) return Cancelled();
      reader_ = reader.get();
    }
    Status st;
    while (st.ok()) {
      auto chunk = reader->Next();
      if (!chunk.ok())
        st = chunk.status();
      else if (chunk->end())
        break;
      else if (chunk->data)
        st = sink.Write(*chunk->data);
    }
    std::lock_guard lock(mu_);
    reader_ = nullptr;
    HANGAR_RETURN_NOT_OK(st);
  }
  return sink.End();
}

void StatementRun::Cancel() {
  std::lock_guard lock(mu_);
  if (cancelled_) return;
  cancelled_ = true;
  // The server first, so that the query stops even if the stream's end
  // reaches it late; then the stream, so that this client stops waiting.
  if (info_) (void)sql::CancelClientQuery(client_, *info_);
  if (reader_ != nullptr) reader_->Cancel();
}

}  // namespace hangar::cli
