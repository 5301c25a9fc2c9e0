// SPDX-License-Identifier: BSD-2-Clause
/*
 * Every diagnostic of elog-schemac, each from a small bad schema, checked
 * through the real binary: exact "file:line:col: message" on stderr, exit
 * status 1, nothing on stdout.
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"

/* Lines 1-2 of most snippets; line 3 on is the case itself. */
#define P "PROVIDER t\nKEYWORD K 1\n"
#define E "EVENT E 1 INFO K NONE \"e\"\n"

static const struct {
	const char *name, *src, *want; /* want: "line:col: message" */
} cases[] = {
	/* lexer */
	{ "unterminated_string", P "EVENT E 1 INFO K NONE \"abc\n", "3:23: unterminated string" },
	{ "unterminated_comment", P E "/* never closed\n", "4:1: unterminated comment" },
	{ "bad_escape", P "EVENT E 1 INFO K NONE \"a\\n\"\n", "3:25: unknown escape in string (only \\\" and \\\\ are allowed)" },
	{ "control_char", P "\001\n" E, "3:1: invalid character 0x01" },
	{ "non_ascii_word", P "KEYWORD K\303\251 2\n" E, "3:10: invalid character 0xc3" },
	{ "control_in_string", P "EVENT E 1 INFO K NONE \"a\tb\001\"\n", "3:27: invalid character 0x01 in string" },
	/* directives */
	{ "continuation_first", "  PROVIDER t\n" E, "1:3: indented line continues no directive" },
	{ "string_first", P "\"text\"\n", "3:1: a line cannot start with a string (indent continuation lines)" },
	{ "unknown_directive", P "PROVDER x\n" E, "3:1: unknown directive 'PROVDER' (expected PROVIDER, KEYWORD, ENUM, FLAG, STRUCT or EVENT)" },
	{ "directive_case", P "event E 1 INFO K NONE \"e\"\n", "3:1: unknown directive 'event' (expected PROVIDER, KEYWORD, ENUM, FLAG, STRUCT or EVENT)" },
	{ "hash_comment", P "# comment\n" E, "3:1: unknown directive '#' (expected PROVIDER, KEYWORD, ENUM, FLAG, STRUCT or EVENT)" },
	{ "missing_provider", "KEYWORD K 1\n" E, "1:1: missing PROVIDER directive" },
	{ "no_event", P, "1:1: no EVENT directive: a provider needs at least one event" },
	{ "duplicate_provider", P "PROVIDER u\n" E, "3:1: duplicate PROVIDER (first at line 1)" },
	{ "provider_arity", "PROVIDER a b\n", "1:1: PROVIDER takes exactly one name" },
	{ "provider_name", "PROVIDER TCP\n", "1:10: bad provider name 'TCP': expected [a-z][a-z0-9_]*, at most 31 characters" },
	{ "provider_too_long", "PROVIDER a23456789012345678901234567890123\n", "1:10: bad provider name 'a23456789012345678901234567890123': expected [a-z][a-z0-9_]*, at most 31 characters" },
	/* keywords */
	{ "keyword_arity", P "KEYWORD X\n" E, "3:1: KEYWORD takes a name and a value" },
	{ "keyword_name", P "KEYWORD 1X 2\n" E, "3:9: bad keyword name '1X': expected a C identifier" },
	{ "keyword_session", P "KEYWORD SESSION 2\n" E, "3:9: keyword SESSION is reserved: every provider has it (0x80000000)" },
	{ "duplicate_keyword", P "KEYWORD K 2\n" E, "3:9: duplicate keyword 'K' (first at line 2)" },
	{ "keyword_bad_number", P "KEYWORD X 1x\n" E, "3:11: bad number '1x'" },
	{ "keyword_leading_zero", P "KEYWORD X 010\n" E, "3:11: bad number '010'" },
	{ "keyword_position_0", P "KEYWORD X 0\n" E, "3:11: keyword bit position 0 out of range: use 1..31 (1 = 0x1) or a 0x mask" },
	{ "keyword_position_32", P "KEYWORD X 32\n" E, "3:11: keyword bit position 32 out of range: use 1..31 (1 = 0x1) or a 0x mask" },
	{ "keyword_mask_0", P "KEYWORD X 0x0\n" E, "3:11: keyword mask must not be 0" },
	{ "keyword_mask_bit31", P "KEYWORD X 0x80000001\n" E, "3:11: keyword mask 0x80000001 uses bit 31, which is reserved for SESSION" },
	{ "keyword_mask_too_wide", P "KEYWORD X 0x100000000\n" E, "3:11: number '0x100000000' out of range (maximum 4294967295)" },
	/* enums and flags */
	{ "enum_no_name", P "ENUM\n" E, "3:1: ENUM needs a name" },
	{ "enum_no_values", P "ENUM e\n" E, "3:6: ENUM 'e' has no values" },
	{ "enum_bad_name", P "ENUM e-x 0:A\n" E, "3:6: bad enum name 'e-x': expected a C identifier" },
	{ "enum_pair", P "ENUM e A\n" E, "3:8: expected value:NAME in ENUM 'e', got 'A'" },
	{ "enum_bad_value", P "ENUM e 0x:A\n" E, "3:8: bad number '0x'" },
	{ "enum_value_overflow", P "ENUM e 18446744073709551616:A\n" E, "3:8: number '18446744073709551616' out of range (maximum 18446744073709551615)" },
	{ "enum_value_name", P "ENUM e 0:9A\n" E, "3:10: bad value name '9A': expected a C identifier" },
	{ "enum_duplicate_name", P "ENUM e 0:A\n 1:A\n" E, "4:4: duplicate name 'A' in ENUM 'e' (first at line 3)" },
	{ "enum_duplicate_value", P "ENUM e 0:A 0:B\n" E, "3:12: duplicate value 0 in ENUM 'e' (already 'A')" },
	{ "duplicate_enum", P "ENUM e 0:A\nENUM e 0:B\n" E, "4:6: duplicate enum 'e' (first at line 3)" },
	{ "flag_not_bit", P "FLAG f 0x3:AB\n" E, "3:8: flag value 0x3 is not a single bit" },
	{ "flag_zero", P "FLAG f 0:NONE\n" E, "3:8: flag value 0x0 is not a single bit" },
	{ "duplicate_flag", P "FLAG f 1:A\nFLAG f 2:B\n" E, "4:6: duplicate flag set 'f' (first at line 3)" },
	/* structs and fields */
	{ "struct_no_name", P "STRUCT\n" E, "3:1: STRUCT needs a name" },
	{ "struct_none", P "STRUCT NONE a:uint8_t\n" E, "3:8: NONE is reserved for events without payload" },
	{ "struct_no_fields", P "STRUCT S\n" E, "3:8: struct 'S' has no fields" },
	{ "duplicate_struct", P "STRUCT S a:uint8_t\nSTRUCT S b:uint8_t\n" E, "4:8: duplicate struct 'S' (first at line 3)" },
	{ "field_no_type", P "STRUCT S a\n" E, "3:10: field 'a' has no type: write name:type" },
	{ "field_string", P "STRUCT S \"a\"\n" E, "3:10: expected a field name:type, got a string" },
	{ "field_bad_name", P "STRUCT S 1a:uint8_t\n" E, "3:10: bad field name '1a': expected a C identifier" },
	{ "field_reserved_name", P "STRUCT S __a:uint8_t\n" E, "3:10: field name '__a' starts with '__', which the generated macros reserve" },
	{ "field_c_keyword", P "STRUCT S int:uint8_t\n" E, "3:10: field name 'int' is a C keyword" },
	{ "duplicate_field", P "STRUCT S a:uint8_t\n a:uint16_t\n" E, "4:2: duplicate field 'a' in struct 'S' (first at line 3)" },
	{ "empty_type", P "STRUCT S a:\n" E, "3:12: field 'a' has an empty type" },
	{ "unknown_type", P "STRUCT S a:uint128_t\n" E, "3:12: unknown type 'uint128_t'" },
	{ "unknown_type_bsd", P "STRUCT S a:u_int\n" E, "3:12: unknown type 'u_int'" },
	{ "char_no_length", P "STRUCT S a:char\n" E, "3:12: type char needs a length: char[N]" },
	{ "char_unclosed", P "STRUCT S a:char[4\n" E, "3:16: missing ']' after char[N" },
	{ "char_zero", P "STRUCT S a:char[0]\n" E, "3:17: char[0] has no room for a string" },
	{ "char_bad_length", P "STRUCT S a:char[x]\n" E, "3:17: bad number 'x'" },
	{ "char_tail", P "STRUCT S n:uint8_t a:char[4][n:2]\n" E, "3:29: a char[N] field cannot be a variable-length tail" },
	{ "tail_syntax", P "STRUCT S n:uint8_t a:uint8_t[n]\n" E, "3:29: variable-length field 'a' needs [countfield:max]" },
	{ "tail_count_name", P "STRUCT S n:uint8_t a:uint8_t[1n:2]\n" E, "3:30: bad count field name in variable-length field 'a'" },
	{ "tail_unclosed", P "STRUCT S n:uint8_t a:uint8_t[n:2\n" E, "3:29: missing ']' in [countfield:max]" },
	{ "tail_max_zero", P "STRUCT S n:uint8_t a:uint8_t[n:0]\n" E, "3:32: maximum element count must be at least 1" },
	{ "tail_max_range", P "STRUCT S n:uint32_t a:uint8_t[n:65536]\n" E, "3:33: number '65536' out of range (maximum 65535)" },
	{ "tail_not_last", P "STRUCT S n:uint8_t a:uint8_t[n:2] b:uint8_t\n" E, "3:20: variable-length field 'a' must be the last field of struct 'S'" },
	{ "tail_count_later", P "STRUCT S a:uint8_t[n:2]\n" E, "3:20: count field 'n' of 'a' is not an earlier field of struct 'S'" },
	{ "tail_count_signed", P "STRUCT S n:int8_t a:uint8_t[n:2]\n" E, "3:29: count field 'n' must be an unsigned integer (uint8_t..uint64_t)" },
	{ "tail_count_too_small", P "STRUCT S n:uint8_t a:uint8_t[n:256]\n" E, "3:30: maximum 256 of 'a' does not fit in count field 'n' (uint8_t)" },
	{ "empty_annotation", P "STRUCT S a:uint8_t:\n" E, "3:19: empty annotation after ':'" },
	{ "field_trailing", P "STRUCT S a:char[4]x\n" E, "3:19: unexpected 'x' in field 'a'" },
	{ "struct_too_large", P "STRUCT S a:char[65503] b:uint8_t\n" E, "3:24: struct 'S' is larger than the 65503-byte payload limit" },
	/* annotations */
	{ "unknown_annotation", P "STRUCT S a:uint8_t:hexa\n" E, "3:20: unknown annotation 'hexa' (expected hex, ntohs, enum_<name> or flag_<name>)" },
	{ "unknown_enum", P "STRUCT S a:uint8_t:enum_nope\n" E, "3:25: unknown enum 'nope'" },
	{ "unknown_flag", P "ENUM f 0:A\nSTRUCT S a:uint8_t:flag_f\n" E, "4:25: unknown flag set 'f'" },
	{ "hex_on_string", P "STRUCT S a:char[4]:hex\n" E, "3:20: annotation 'hex' needs an integer field, 'a' is char" },
	{ "ntohs_on_u32", P "STRUCT S a:uint32_t:ntohs\n" E, "3:21: annotation 'ntohs' needs a uint16_t field, 'a' is uint32_t" },
	{ "enum_on_addr", P "ENUM e 0:A\nSTRUCT S a:in_addr_t:enum_e\n" E, "4:22: annotation 'enum_e' needs an integer field, 'a' is in_addr_t" },
	/* events */
	{ "event_arity", P "EVENT E 1 INFO K NONE\n", "3:22: EVENT needs NAME id LEVEL KEYWORDS STRUCT \"format\"" },
	{ "event_format_word", P "EVENT E 1 INFO K NONE text\n", "3:23: EVENT needs NAME id LEVEL KEYWORDS STRUCT \"format\": the format must be a quoted string" },
	{ "event_string_early", P "EVENT E 1 INFO \"K\" NONE \"e\"\n", "3:16: EVENT needs NAME id LEVEL KEYWORDS STRUCT \"format\" before the format" },
	{ "event_trailing", P "EVENT E 1 INFO K NONE \"e\" extra\n", "3:27: unexpected 'extra' after the format string" },
	{ "event_bad_name", P "EVENT E.1 1 INFO K NONE \"e\"\n", "3:7: bad event name 'E.1': expected a C identifier" },
	{ "duplicate_event", P E "EVENT E 2 INFO K NONE \"e\"\n", "4:7: duplicate event 'E' (first at line 3)" },
	{ "event_bad_id", P "EVENT E -1 INFO K NONE \"e\"\n", "3:9: bad number '-1'" },
	{ "event_id_range", P "EVENT E 4294967296 INFO K NONE \"e\"\n", "3:9: number '4294967296' out of range (maximum 4294967295)" },
	{ "duplicate_id", P E "EVENT F 1 INFO K NONE \"f\"\n", "4:9: duplicate event id 1 (also event 'E' at line 3)" },
	{ "reserved_id", P "EVENT E 4294967295 INFO K NONE \"e\"\n", "3:9: event id 4294967295 is reserved for SESSION_END" },
	{ "reserved_id_blackbox", P "EVENT E 4294967292 INFO K NONE \"e\"\n", "3:9: event id 4294967292 is reserved for BLACKBOX_DUMP" },
	{ "blackbox_id", P "EVENT BLACKBOX_DUMP 4294967291 INFO SESSION NONE \"e\"\n", "3:21: event 'BLACKBOX_DUMP' must have id 4294967292 (0xFFFFFFFC)" },
	{ "framework_id", P "EVENT SESSION_CREATE 7 INFO SESSION NONE \"e\"\n", "3:22: event 'SESSION_CREATE' must have id 4294967294 (0xFFFFFFFE)" },
	{ "unknown_level", P "EVENT E 1 DEBUG K NONE \"e\"\n", "3:11: unknown level 'DEBUG' (expected ERROR, WARN, INFO, VERBOSE or TRACE)" },
	{ "level_case", P "EVENT E 1 info K NONE \"e\"\n", "3:11: unknown level 'info' (expected ERROR, WARN, INFO, VERBOSE or TRACE)" },
	{ "framework_level", P "EVENT SESSION_END 4294967295 WARN SESSION NONE \"e\"\n", "3:30: event 'SESSION_END' must have level INFO" },
	{ "no_keyword", P "EVENT E 1 INFO NONE NONE \"e\"\n", "3:16: event 'E' has no keyword, so no subscription could ever receive it" },
	{ "unknown_keyword", P "EVENT E 1 INFO X NONE \"e\"\n", "3:16: unknown keyword 'X'" },
	{ "keyword_substring", "PROVIDER t\nKEYWORD RTX 1\nEVENT E 1 INFO TX NONE \"e\"\n", "3:16: unknown keyword 'TX'" },
	{ "keyword_prefix", "PROVIDER t\nKEYWORD TX 1\nEVENT E 1 INFO TXX NONE \"e\"\n", "3:16: unknown keyword 'TXX'" },
	{ "keyword_case", P "EVENT E 1 INFO k NONE \"e\"\n", "3:16: unknown keyword 'k'" },
	{ "keyword_list_empty", P "EVENT E 1 INFO K, NONE \"e\"\n", "3:18: empty keyword in list 'K,'" },
	{ "keyword_twice", P "EVENT E 1 INFO K,K NONE \"e\"\n", "3:18: keyword 'K' listed twice" },
	{ "session_keyword", P "EVENT E 1 INFO K,SESSION NONE \"e\"\n", "3:18: keyword SESSION is reserved for SESSION_CREATE, SESSION_END, DUMP_COMPLETE and BLACKBOX_DUMP" },
	{ "framework_keyword", P "EVENT DUMP_COMPLETE 4294967293 INFO K NONE \"e\"\n", "3:37: event 'DUMP_COMPLETE' must have exactly the keyword SESSION" },
	{ "unknown_struct", P "EVENT E 1 INFO K S \"e\"\n", "3:18: unknown struct 'S'" },
	{ "framework_payload", P "STRUCT S a:uint8_t\nEVENT SESSION_END 4294967295 INFO SESSION S \"e\"\n", "4:43: event 'SESSION_END' carries no payload: its struct must be NONE" },
	/* formats */
	{ "format_printf", P "STRUCT S a:uint8_t\nEVENT E 1 INFO K S \"a=%s\"\n", "4:23: bad conversion '%s' in format: use %N for field N or %% for '%'" },
	{ "format_trailing_percent", P "EVENT E 1 INFO K NONE \"100%\"\n", "3:27: '%' at the end of the format: use %% for a literal '%'" },
	{ "format_zero", P "STRUCT S a:uint8_t\nEVENT E 1 INFO K S \"%0\"\n", "4:21: %0 out of range: struct 'S' has 1 field" },
	{ "format_range", P "STRUCT S a:uint8_t b:uint8_t\nEVENT E 1 INFO K S\n \"%1 %2 %3\"\n", "5:9: %3 out of range: struct 'S' has 2 fields" },
	{ "format_none", P "EVENT E 1 INFO K NONE \"%1\"\n", "3:24: %1 out of range: event 'E' has no payload fields" },
	{ "format_tail", P "STRUCT S n:uint8_t v:uint32_t[n:4]\nEVENT E 1 INFO K S \"%2\"\n", "4:21: %2 refers to variable-length field 'v', which a format cannot print" },
	/* generated names */
	{ "collide_enum_event", P "ENUM conn 0:X_ID\nEVENT CONN_X 2 INFO K NONE \"c\"\n" E, "3:11: generated name 'T_EVENTLOG_CONN_X_ID' of enum value 'X_ID' collides with event 'CONN_X' at line 4" },
	{ "collide_flags", P "FLAG a 1:SYN\nFLAG b 2:SYN\n" E, "4:8: generated name 'T_EVENTLOG_FLAG_SYN' of flag 'SYN' collides with flag 'SYN' at line 3" },
	{ "collide_struct_case", P "STRUCT In a:uint8_t\nSTRUCT IN b:uint8_t\n" E, "4:8: generated name 'struct t_eventlog_in' of struct 'IN' collides with struct 'In' at line 3" },
	{ "collide_event_case", P E "EVENT e 2 INFO K NONE \"e\"\n", "4:7: generated name 'T_EVENTLOG_E_ID' of event 'e' collides with event 'E' at line 3" },
	{ "collide_implicit", P "ENUM session 0:END_ID\n" E, "3:14: generated name 'T_EVENTLOG_SESSION_END_ID' of enum value 'END_ID' collides with the implicit event 'SESSION_END'" },
	{ "collide_max", P "ENUM s 0:V_MAX\nSTRUCT S n:uint8_t v:uint8_t[n:2]\n" E, "4:20: generated name 'T_EVENTLOG_S_V_MAX' of field 'v' collides with enum value 'V_MAX' at line 3" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

void t_errors(const struct t_env *env)
{
	for (size_t i = 0; i < NCASES; i++) {
		const char *path = t_fmt("%s/%s.src", env->tmp, cases[i].name);
		const char *errf = t_fmt("%s/%s.err", env->tmp, cases[i].name);
		const char *outf = t_fmt("%s/%s.out", env->tmp, cases[i].name);
		FILE *f = fopen(path, "w");
		if (!f) {
			CHECK_MSG(0, "cannot write %s", path);
			continue;
		}
		fputs(cases[i].src, f);
		fclose(f);
		int st = t_run(t_fmt("%s --header - %s >%s 2>%s", env->schemac, path, outf, errf));
		char *got = t_slurp(errf, NULL), *out = t_slurp(outf, NULL);
		const char *want = t_fmt("%s:%s\n", path, cases[i].want);
		CHECK_MSG(st == 1 && got && !strcmp(got, want) && out && !*out,
		      "case %s: status %d, stderr\n  got:  %s  want: %s", cases[i].name, st,
		      got ? got : "(none)\n", want);
		free(got);
		free(out);
	}
}

void t_errors_write_corpus(const char *dir)
{
	for (size_t i = 0; i < NCASES; i++) {
		const char *path = t_fmt("%s/err_%s.src", dir, cases[i].name);
		FILE *f = fopen(path, "w");
		if (f) {
			fputs(cases[i].src, f);
			fclose(f);
		}
	}
}
