#!/bin/bash
# Creates every Careline topic that is missing, with its partitions and configuration, from
# /etc/careline/topics.tsv (one topic a line: name, partitions, comma-separated key=value config).
# It never alters an existing topic: adding partitions moves keys to other partitions (per-key
# order is lost across the change), so a topic with fewer partitions than listed gets a warning
# and an operator's decision. Safe to run again at every upgrade.
#
# Environment: KAFKA_BOOTSTRAP_SERVERS, REPLICATION_FACTOR, optional KAFKA_TOPIC_PREFIX,
# KAFKA_COMMAND_CONFIG (a client.properties file), TOPICS_FILE, KAFKA_TOPICS (the kafka-topics
# command; the apache/kafka image's by default).
set -euo pipefail

topics_file="${TOPICS_FILE:-/etc/careline/topics.tsv}"
read -r -a kafka_topics <<<"${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"
common=(--bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS")
if [ -n "${KAFKA_COMMAND_CONFIG:-}" ]; then common+=(--command-config "$KAFKA_COMMAND_CONFIG"); fi

existing="$("${kafka_topics[@]}" "${common[@]}" --list)"
created=0
while IFS=$'\t' read -r topic partitions config || [ -n "${topic:-}" ]; do
  [ -z "$topic" ] && continue
  name="${KAFKA_TOPIC_PREFIX:-}${topic}"
  if grep -qxF -- "$name" <<<"$existing"; then
    count="$("${kafka_topics[@]}" "${common[@]}" --describe --topic "$name" | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)"
    if [ -n "$count" ] && [ "$count" -lt "$partitions" ]; then
      echo "warning: $name has $count partitions, $partitions are listed; not altered (see deploy/README.md)"
    else
      echo "exists: $name"
    fi
    continue
  fi
  args=(--create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR")
  if [ -n "${config:-}" ]; then
    IFS=',' read -r -a entries <<<"$config"
    for entry in "${entries[@]}"; do args+=(--config "$entry"); done
  fi
  "${kafka_topics[@]}" "${common[@]}" "${args[@]}"
  echo "created: $name ($partitions partitions)"
  created=$((created + 1))
done <"$topics_file"
echo "topics provisioned: $created created"
