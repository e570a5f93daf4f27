#include "sql/relations.h"

#include "kafka/topic_reader.h"

namespace hangar::sql {

namespace {

using duckdb::QuoteIdentifier;
using duckdb::QuoteLiteral;
using store::kKafkaNamespace;

std::string ViewName(const store::QualifiedName& name) {
  return QuoteIdentifier(name.ns) + "." + QuoteIdentifier(name.name);
}

// Every partition of a topic in turn, each from its first offset to the
// high watermark seen when the scan opened.
class TopicScan : public arrow::RecordBatchSource {
 public:
  TopicScan(std::shared_ptr<kafka::KafkaCluster> cluster, std::shared_ptr<kafka::SchemaRegistry> registry,
            kafka::TopicInfo topic, arrow::SchemaPtr schema)
      : cluster_(std::move(cluster)),
        registry_(std::move(registry)),
        topic_(std::move(topic)),
        schema_(std::move(schema)) {}

  const arrow::SchemaPtr& schema() const override { return schema_; }

  Result<arrow::RecordBatchPtr> Next() override {
    while (true) {
      if (!current_) {
        while (next_ < topic_.partitions.size() && topic_.partitions[next_].high <= topic_.partitions[next_].low)
          ++next_;
        if (next_ >= topic_.partitions.size()) return arrow::RecordBatchPtr();
        const auto& p = topic_.partitions[next_++];
        kafka::TopicReadOptions options;
        options.start_offset = p.low;
        options.end_offset = p.high;
        HANGAR_ASSIGN_OR_RETURN(current_,
                                kafka::PartitionSource::Open(cluster_, registry_, topic_.name, p.id, options));
        // The reader schema may have changed since the query was bound.
        if (!current_->schema()->Equals(*schema_, false))
          return Status::Unavailable("the schema of topic " + topic_.name +
                                     " changed while the query started; run it again");
      }
      HANGAR_ASSIGN_OR_RETURN(auto batch, current_->Next());
      if (batch != nullptr) return batch;
      current_.reset();
    }
  }

 private:
  std::shared_ptr<kafka::KafkaCluster> cluster_;
  std::shared_ptr<kafka::SchemaRegistry> registry_;
  kafka::TopicInfo topic_;
  arrow::SchemaPtr schema_;
  size_t next_ = 0;
  std::unique_ptr<kafka::PartitionSource> current_;
};

}  // namespace

namespace {

constexpr const char* kScanFunction = Relations::kTopicScanFunction;

// hangar_scan('kafka.<topic>'): a topic, read when the query starts.
class TopicScanProvider : public duckdb::ScanProvider {
 public:
  TopicScanProvider(std::shared_ptr<kafka::KafkaCluster> cluster, std::shared_ptr<kafka::SchemaRegistry> registry)
      : cluster_(std::move(cluster)), registry_(std::move(registry)) {}

  Result<arrow::SchemaPtr> Schema(const std::string& text) override {
    HANGAR_ASSIGN_OR_RETURN(auto name, TopicName(text));
    return TopicSchema(name);
  }

  Result<std::unique_ptr<arrow::RecordBatchSource>> Open(const std::string& text) override {
    HANGAR_ASSIGN_OR_RETURN(auto name, TopicName(text));
    if (!cluster_) return Status::FailedPrecondition("this server is not connected to Kafka");
    HANGAR_ASSIGN_OR_RETURN(auto schema, TopicSchema(name));
    HANGAR_ASSIGN_OR_RETURN(auto topic, cluster_->DescribeTopic(name));
    // 'kafka.<topic>#<partition>': that partition only (a cluster's share of a scan).
    if (const size_t hash = text.rfind('#'); hash != std::string::npos) {
      const int32_t partition = std::atoi(text.c_str() + hash + 1);
      std::erase_if(topic.partitions, [&](const kafka::PartitionInfo& p) { return p.id != partition; });
      if (topic.partitions.empty())
        return Status::NotFound("Kafka topic '" + name + "' has no partition " + text.substr(hash + 1));
    }
    return std::unique_ptr<arrow::RecordBatchSource>(
        std::make_unique<TopicScan>(cluster_, registry_, std::move(topic), std::move(schema)));
  }

  static Result<std::string> TopicName(const std::string& text) {
    HANGAR_ASSIGN_OR_RETURN(auto name, store::ParseQualifiedName(text.substr(0, text.rfind('#'))));
    if (name.ns != kKafkaNamespace)
      return Status::Invalid(kScanFunction + std::string(" reads topics (kafka.<topic>), not ") + text);
    return name.name;
  }

  Result<arrow::SchemaPtr> TopicSchema(const std::string& topic) {
    if (!registry_) return Status::FailedPrecondition("this server is not connected to Kafka");
    HANGAR_ASSIGN_OR_RETURN(auto schema, kafka::ResolveTopicSchema(*registry_, topic, kafka::TopicReadOptions{}));
    return schema.schema;
  }

 private:
  std::shared_ptr<kafka::KafkaCluster> cluster_;
  std::shared_ptr<kafka::SchemaRegistry> registry_;
};

}  // namespace

Result<std::shared_ptr<Relations>> Relations::Open(std::shared_ptr<duckdb::Database> db,
                                                   std::shared_ptr<store::TableStore> tables,
                                                   std::shared_ptr<kafka::KafkaCluster> cluster,
                                                   std::shared_ptr<kafka::SchemaRegistry> registry) {
  std::shared_ptr<Relations> out(new Relations());
  out->db_ = db;
  out->tables_ = tables;
  out->cluster_ = cluster;
  out->registry_ = registry;
  out->provider_ = std::make_shared<TopicScanProvider>(cluster, registry);
  // On this instance of the engine and on every one after a reset.
  HANGAR_RETURN_NOT_OK(db->AddInitializer([provider = out->provider_](duckdb::Connection& connection) {
    HANGAR_RETURN_NOT_OK(duckdb::RegisterScanFunction(connection, kScanFunction, provider));
    // A table's Parquet files never change once committed, so their footers
    // can be cached: queries then bind and plan without re-reading them.
    HANGAR_RETURN_NOT_OK(connection.Execute("SET GLOBAL parquet_metadata_cache = true"));
    // Queries search the default namespace for bare names: its schema always exists.
    return connection.Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(store::kDefaultNamespace));
  }));
  HANGAR_RETURN_NOT_OK(out->Reconnect());
  return out;
}

Result<Pins> Relations::Sync(bool fresh_topics) {
  HANGAR_RETURN_NOT_OK(SyncNames(fresh_topics));
  std::vector<store::QualifiedName> names;
  {
    std::lock_guard lock(names_mu_);
    for (const auto& [name, snapshot] : current_) names.push_back(name);
  }
  return SyncViews(names);
}

Status Relations::Reconnect() {
  HANGAR_ASSIGN_OR_RETURN(ddl_, duckdb::Connection::Open(db_));
  schemas_.clear();
  views_.clear();
  topic_views_.clear();
  ++generation_;
  schemas_.insert(std::string(store::kDefaultNamespace));  // made by the initializer
  return Status::OK();
}

Status Relations::SyncNames(bool fresh_topics) {
  // A reset engine has none of the views: they are made again as statements need them.
  if (ddl_->generation() != db_->generation()) HANGAR_RETURN_NOT_OK(Reconnect());
  std::map<store::QualifiedName, store::SnapshotPtr> current;
  for (auto& snapshot : tables_->List()) current[snapshot->name] = snapshot;
  for (auto it = views_.begin(); it != views_.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    HANGAR_RETURN_NOT_OK(ddl_->Execute("DROP VIEW IF EXISTS " + ViewName(it->first)));
    ++generation_;
    it = views_.erase(it);
  }
  {
    std::lock_guard lock(names_mu_);
    current_ = std::move(current);
  }
  return SyncTopicNames(fresh_topics);
}

Result<Pins> Relations::SyncViews(const std::vector<store::QualifiedName>& names) {
  Pins pins;
  for (const auto& name : names) {
    if (name.ns == kKafkaNamespace) continue;
    store::SnapshotPtr snapshot;
    {
      std::lock_guard lock(names_mu_);
      auto it = current_.find(name);
      if (it == current_.end()) continue;
      snapshot = it->second;
    }
    auto& view = views_[name];
    if (view != snapshot) {
      if (schemas_.insert(name.ns).second)
        HANGAR_RETURN_NOT_OK(ddl_->Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(name.ns)));
      HANGAR_RETURN_NOT_OK(
          ddl_->Execute("CREATE OR REPLACE VIEW " + ViewName(name) + " AS " + tables_->SelectAll(snapshot)));
      view = snapshot;
    }
    pins.push_back(std::move(snapshot));
  }
  HANGAR_RETURN_NOT_OK(SyncTopics(names));
  return pins;
}

bool Relations::Current(const Pins& pins) const {
  std::lock_guard lock(names_mu_);
  for (const auto& pin : pins) {
    auto it = current_.find(pin->name);
    if (it == current_.end() || it->second != pin) return false;
  }
  return true;
}

Status Relations::SyncTopicNames(bool force) {
  if (!cluster_) return Status::OK();
  const auto now_time = std::chrono::steady_clock::now();
  if (!force && now_time - topics_synced_ < std::chrono::seconds(1)) return Status::OK();
  HANGAR_ASSIGN_OR_RETURN(auto names, cluster_->TopicNames());
  topics_synced_ = now_time;
  std::set<std::string> now(names.begin(), names.end());
  if (schemas_.insert(std::string(kKafkaNamespace)).second)
    HANGAR_RETURN_NOT_OK(ddl_->Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(kKafkaNamespace)));
  for (auto it = topic_views_.begin(); it != topic_views_.end();) {
    if (now.count(it->first)) {
      ++it;
      continue;
    }
    HANGAR_RETURN_NOT_OK(ddl_->Execute("DROP VIEW IF EXISTS " + ViewName({std::string(kKafkaNamespace), it->first})));
    ++generation_;
    it = topic_views_.erase(it);
  }
  std::lock_guard lock(names_mu_);
  topics_ = std::move(now);
  return Status::OK();
}

Status Relations::SyncTopics(const std::vector<store::QualifiedName>& names) {
  for (const auto& name : names) {
    if (name.ns != kKafkaNamespace || !Exists(name)) continue;
    HANGAR_ASSIGN_OR_RETURN(auto schema, provider_->Schema(name.ToString()));
    auto& view = topic_views_[name.name];
    if (view != nullptr && view->Equals(*schema, false)) continue;
    HANGAR_RETURN_NOT_OK(ddl_->Execute("CREATE OR REPLACE VIEW " + ViewName(name) + " AS SELECT * FROM " +
                                       kScanFunction + "(" + QuoteLiteral(name.ToString()) + ")"));
    ++generation_;
    view = std::move(schema);
  }
  return Status::OK();
}

Result<std::optional<store::QualifiedName>> Relations::Resolve(const store::QualifiedName& name) const {
  if (Exists(name)) return std::optional<store::QualifiedName>(name);
  // DuckDB matches names whatever their case: so does this.
  const std::string ns = store::FoldCase(name.ns), table = store::FoldCase(name.name);
  std::vector<store::QualifiedName> matches;
  {
    std::lock_guard lock(names_mu_);
    if (ns == kKafkaNamespace) {
      for (const auto& topic : topics_)
        if (store::FoldCase(topic) == table) matches.push_back({std::string(kKafkaNamespace), topic});
    } else {
      for (const auto& [n, snapshot] : current_)
        if (store::FoldCase(n.ns) == ns && store::FoldCase(n.name) == table) matches.push_back(n);
    }
  }
  if (matches.size() > 1)
    return Status::Invalid("'" + name.ToString() + "' is ambiguous in SQL: " + matches[0].ToString() + " and " +
                           matches[1].ToString() + " differ only by case (read them by their Flight paths)");
  if (matches.empty()) return std::optional<store::QualifiedName>();
  return std::optional<store::QualifiedName>(std::move(matches[0]));
}

Result<std::optional<store::QualifiedName>> Relations::ResolveNow(const store::QualifiedName& name) {
  HANGAR_ASSIGN_OR_RETURN(auto found, Resolve(name));
  if (found || store::FoldCase(name.ns) != kKafkaNamespace || !cluster_ || !SyncTopicNames(true).ok()) return found;
  return Resolve(name);
}

bool Relations::Exists(const store::QualifiedName& name) const {
  std::lock_guard lock(names_mu_);
  return name.ns == kKafkaNamespace ? topics_.count(name.name) > 0 : current_.count(name) > 0;
}

std::vector<store::QualifiedName> Relations::List() const {
  std::lock_guard lock(names_mu_);
  std::vector<store::QualifiedName> out;
  for (const auto& [name, snapshot] : current_) out.push_back(name);
  for (const auto& topic : topics_) out.push_back({std::string(kKafkaNamespace), topic});
  std::sort(out.begin(), out.end());
  return out;
}

Result<arrow::SchemaPtr> Relations::Schema(const store::QualifiedName& name) const {
  if (name.ns == kKafkaNamespace) return provider_->Schema(name.ToString());
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(name));
  return snapshot->schema;
}

}  // namespace hangar::sql
