#include "core/batch_message.hpp"

#include <cstdio>

namespace cdccraft {

std::string batch_message_content(int64_t run_id, int64_t batch) {
    return "{\"run_id\": " + std::to_string(run_id) + ", \"batch\": " + std::to_string(batch) + "}";
}

std::optional<BatchMessage> parse_batch_message(std::string_view content) {
    BatchMessage m{};
    long long run_id = 0, batch = 0;
    int end = 0;
    const std::string text(content);
    if (std::sscanf(text.c_str(), "{\"run_id\": %lld, \"batch\": %lld}%n", &run_id, &batch, &end) != 2 ||
        static_cast<size_t>(end) != text.size())
        return std::nullopt;
    m.run_id = run_id;
    m.batch = batch;
    // Only the form batch_message_content writes: no other spacing or sign.
    if (batch_message_content(m.run_id, m.batch) != text) return std::nullopt;
    return m;
}

}  // namespace cdccraft
