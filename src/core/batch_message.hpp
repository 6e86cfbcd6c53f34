// The content of the logical decoding messages a run emits (emit_messages,
// nontransactional_messages), prefix cdccraft: the run and the batch, as
// JSON. A consumer reads them as watermarks; the canary reads the run's own
// back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cdccraft {

inline constexpr std::string_view kMessagePrefix = "cdccraft";

struct BatchMessage {
    int64_t run_id;
    int64_t batch;
};

// {"run_id": R, "batch": B}
std::string batch_message_content(int64_t run_id, int64_t batch);
// The run and batch of content as batch_message_content writes it; nullopt
// for anything else.
std::optional<BatchMessage> parse_batch_message(std::string_view content);

}  // namespace cdccraft
