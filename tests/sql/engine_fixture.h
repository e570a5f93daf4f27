// A SQL engine over a table store on a temporary directory, for the tests of
// the SQL layer: Open() (again) makes the database, the store and the engine.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "sql/engine.h"
#include "store/store_test_util.h"

namespace hangar::sql::testing {

class EngineFixture : public ::testing::Test {
 protected:
  void Open(SqlOptions options = {}, bool read_copies = true) {
    duckdb::DatabaseOptions db_options;
    db_options.threads = 2;
    db_options.allowed_directories = {dir_.path().string() + "/"};
    db_ = duckdb::Database::Open(db_options).value();
    store::StoreOptions store_options;
    store_options.data_dir = dir_.path();
    store_options.read_copies = read_copies;
    tables_ = std::shared_ptr<store::TableStore>(store::TableStore::Open(store_options, db_).value());
    auto relations = Relations::Open(db_, tables_, nullptr, nullptr).value();
    engine_ = std::make_unique<SqlEngine>(db_, relations, options);
  }
  void SetUp() override { Open(); }

  store::testing::TempDir dir_;
  std::shared_ptr<duckdb::Database> db_;
  std::shared_ptr<store::TableStore> tables_;
  std::unique_ptr<SqlEngine> engine_;
};

}  // namespace hangar::sql::testing
