#include "kafka/dev_cluster.h"

#include <librdkafka/rdkafka_mock.h>

#include "kafka/options.h"

namespace hangar::kafka {

Result<std::unique_ptr<DevCluster>> DevCluster::Start(int brokers) {
  ConfHandle conf(rd_kafka_conf_new());
  char error[512];
  if (rd_kafka_conf_set(conf.get(), "log_level", "4", error, sizeof(error)) != RD_KAFKA_CONF_OK)
    return Status::Internal(error);
  std::unique_ptr<DevCluster> cluster(new DevCluster());
  HANGAR_ASSIGN_OR_RETURN(cluster->owner_, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  cluster->mock_ = rd_kafka_mock_cluster_new(cluster->owner_.get(), brokers);
  if (cluster->mock_ == nullptr) return Status::Internal("cannot start the development Kafka cluster");
  cluster->bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster->mock_);
  return cluster;
}

DevCluster::~DevCluster() {
  if (mock_ != nullptr) rd_kafka_mock_cluster_destroy(mock_);
}

Status DevCluster::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock_, topic.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "cannot create topic '" + topic + "'");
  return Status::OK();
}

void DevCluster::FailNextRequests(int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors) {
  rd_kafka_mock_push_request_errors_array(mock_, api_key, errors.size(), errors.data());
}

void DevCluster::ClearFailures(int16_t api_key) { rd_kafka_mock_clear_request_errors(mock_, api_key); }

}  // namespace hangar::kafka
