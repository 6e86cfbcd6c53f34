// cdccraft_start's arguments, read by the parameter table (run_parameters.hpp)
// into plain values, then built into the run's configuration by the core.
// Reading happens in C style, with no C++ object alive while PostgreSQL
// reads the call (which can raise an error); the core runs after.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// One parameter's value from the call, or from its setting. Which member
// holds it follows the parameter's SQL type.
struct StartArgument {
    bool isnull;
    const char* text;
    int64 integer;
    double number;
    bool flag;
};

// Reads every parameter (kParameterCount of them, in the table's order):
// the arguments of the call, and for a NULL argument with a setting, or a
// parameter that is no argument, the setting in this session. Raises 22004
// for a NULL the parameter does not take and 42602 for an empty name.
void read_start_arguments(FunctionCallInfo fcinfo, StartArgument* arguments);

const StartArgument& argument_of(const StartArgument* arguments, Parameter parameter);

// The run's configuration from the arguments, validated by the core; its
// wire text, palloc'd.
char* build_config_wire(const StartArgument* arguments);

}  // namespace cdccraft::pg
