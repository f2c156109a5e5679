#pragma once

#include <array>
#include <string_view>

namespace strata {

// A PostgreSQL SQLSTATE: five characters, the first two naming the class.
// Constants carry PostgreSQL's condition names (Appendix A of its manual), so
// `SqlState::kUniqueViolation` reads as the error users look up.
class SqlState {
 public:
  constexpr explicit SqlState(std::string_view code)
      : code_{code[0], code[1], code[2], code[3], code[4]} {}

  std::string_view code() const { return {code_.data(), code_.size()}; }
  std::string_view class_code() const { return {code_.data(), 2}; }
  bool operator==(const SqlState& other) const = default;

  static const SqlState kSuccessfulCompletion;
  static const SqlState kWarning;
  static const SqlState kConnectionException;
  static const SqlState kConnectionFailure;
  static const SqlState kProtocolViolation;
  static const SqlState kFeatureNotSupported;
  static const SqlState kInvalidTransactionInitiation;
  static const SqlState kDataException;
  static const SqlState kStringDataRightTruncation;
  static const SqlState kNumericValueOutOfRange;
  static const SqlState kInvalidDatetimeFormat;
  static const SqlState kDatetimeFieldOverflow;
  static const SqlState kDivisionByZero;
  static const SqlState kInvalidParameterValue;
  static const SqlState kInvalidTextRepresentation;
  static const SqlState kInvalidBinaryRepresentation;
  static const SqlState kCharacterNotInRepertoire;
  static const SqlState kIntegrityConstraintViolation;
  static const SqlState kNotNullViolation;
  static const SqlState kForeignKeyViolation;
  static const SqlState kUniqueViolation;
  static const SqlState kCheckViolation;
  static const SqlState kInvalidCursorState;
  static const SqlState kInvalidTransactionState;
  static const SqlState kActiveSqlTransaction;
  static const SqlState kNoActiveSqlTransaction;
  static const SqlState kInFailedSqlTransaction;
  static const SqlState kIdleInTransactionSessionTimeout;
  static const SqlState kReadOnlySqlTransaction;
  static const SqlState kInvalidAuthorizationSpecification;
  static const SqlState kInvalidPassword;
  static const SqlState kTransactionRollback;
  static const SqlState kSerializationFailure;
  static const SqlState kDeadlockDetected;
  static const SqlState kSyntaxErrorOrAccessRuleViolation;
  static const SqlState kSyntaxError;
  static const SqlState kInsufficientPrivilege;
  static const SqlState kUndefinedColumn;
  static const SqlState kUndefinedFunction;
  static const SqlState kUndefinedTable;
  static const SqlState kUndefinedObject;
  static const SqlState kUndefinedParameter;
  static const SqlState kDuplicateColumn;
  static const SqlState kDuplicateDatabase;
  static const SqlState kDuplicateObject;
  static const SqlState kDuplicateSchema;
  static const SqlState kDuplicateTable;
  static const SqlState kAmbiguousColumn;
  static const SqlState kDatatypeMismatch;
  static const SqlState kInvalidColumnReference;
  static const SqlState kInvalidTableDefinition;
  static const SqlState kInsufficientResources;
  static const SqlState kDiskFull;
  static const SqlState kOutOfMemory;
  static const SqlState kTooManyConnections;
  static const SqlState kProgramLimitExceeded;
  static const SqlState kObjectNotInPrerequisiteState;
  static const SqlState kObjectInUse;
  static const SqlState kOperatorIntervention;
  static const SqlState kQueryCanceled;
  static const SqlState kAdminShutdown;
  static const SqlState kCannotConnectNow;
  static const SqlState kConfigFileError;
  static const SqlState kSystemError;
  static const SqlState kIoError;
  static const SqlState kInternalError;
  static const SqlState kDataCorrupted;
  static const SqlState kDependentObjectsStillExist;
  static const SqlState kInvalidSchemaName;
  static const SqlState kReservedName;

 private:
  std::array<char, 5> code_;
};

inline constexpr SqlState SqlState::kSuccessfulCompletion{"00000"};
inline constexpr SqlState SqlState::kWarning{"01000"};
inline constexpr SqlState SqlState::kConnectionException{"08000"};
inline constexpr SqlState SqlState::kConnectionFailure{"08006"};
inline constexpr SqlState SqlState::kProtocolViolation{"08P01"};
inline constexpr SqlState SqlState::kFeatureNotSupported{"0A000"};
inline constexpr SqlState SqlState::kInvalidTransactionInitiation{"0B000"};
inline constexpr SqlState SqlState::kDataException{"22000"};
inline constexpr SqlState SqlState::kStringDataRightTruncation{"22001"};
inline constexpr SqlState SqlState::kNumericValueOutOfRange{"22003"};
inline constexpr SqlState SqlState::kInvalidDatetimeFormat{"22007"};
inline constexpr SqlState SqlState::kDatetimeFieldOverflow{"22008"};
inline constexpr SqlState SqlState::kDivisionByZero{"22012"};
inline constexpr SqlState SqlState::kInvalidParameterValue{"22023"};
inline constexpr SqlState SqlState::kInvalidTextRepresentation{"22P02"};
inline constexpr SqlState SqlState::kInvalidBinaryRepresentation{"22P03"};
inline constexpr SqlState SqlState::kCharacterNotInRepertoire{"22021"};
inline constexpr SqlState SqlState::kIntegrityConstraintViolation{"23000"};
inline constexpr SqlState SqlState::kNotNullViolation{"23502"};
inline constexpr SqlState SqlState::kForeignKeyViolation{"23503"};
inline constexpr SqlState SqlState::kUniqueViolation{"23505"};
inline constexpr SqlState SqlState::kCheckViolation{"23514"};
inline constexpr SqlState SqlState::kInvalidCursorState{"24000"};
inline constexpr SqlState SqlState::kInvalidTransactionState{"25000"};
inline constexpr SqlState SqlState::kActiveSqlTransaction{"25001"};
inline constexpr SqlState SqlState::kNoActiveSqlTransaction{"25P01"};
inline constexpr SqlState SqlState::kInFailedSqlTransaction{"25P02"};
inline constexpr SqlState SqlState::kIdleInTransactionSessionTimeout{"25P03"};
inline constexpr SqlState SqlState::kReadOnlySqlTransaction{"25006"};
inline constexpr SqlState SqlState::kInvalidAuthorizationSpecification{"28000"};
inline constexpr SqlState SqlState::kInvalidPassword{"28P01"};
inline constexpr SqlState SqlState::kTransactionRollback{"40000"};
inline constexpr SqlState SqlState::kSerializationFailure{"40001"};
inline constexpr SqlState SqlState::kDeadlockDetected{"40P01"};
inline constexpr SqlState SqlState::kSyntaxErrorOrAccessRuleViolation{"42000"};
inline constexpr SqlState SqlState::kSyntaxError{"42601"};
inline constexpr SqlState SqlState::kInsufficientPrivilege{"42501"};
inline constexpr SqlState SqlState::kUndefinedColumn{"42703"};
inline constexpr SqlState SqlState::kUndefinedFunction{"42883"};
inline constexpr SqlState SqlState::kUndefinedTable{"42P01"};
inline constexpr SqlState SqlState::kUndefinedObject{"42704"};
inline constexpr SqlState SqlState::kUndefinedParameter{"42P02"};
inline constexpr SqlState SqlState::kDuplicateColumn{"42701"};
inline constexpr SqlState SqlState::kDuplicateDatabase{"42P04"};
inline constexpr SqlState SqlState::kDuplicateObject{"42710"};
inline constexpr SqlState SqlState::kDuplicateSchema{"42P06"};
inline constexpr SqlState SqlState::kDuplicateTable{"42P07"};
inline constexpr SqlState SqlState::kAmbiguousColumn{"42702"};
inline constexpr SqlState SqlState::kDatatypeMismatch{"42804"};
inline constexpr SqlState SqlState::kInvalidColumnReference{"42P10"};
inline constexpr SqlState SqlState::kInvalidTableDefinition{"42P16"};
inline constexpr SqlState SqlState::kInsufficientResources{"53000"};
inline constexpr SqlState SqlState::kDiskFull{"53100"};
inline constexpr SqlState SqlState::kOutOfMemory{"53200"};
inline constexpr SqlState SqlState::kTooManyConnections{"53300"};
inline constexpr SqlState SqlState::kProgramLimitExceeded{"54000"};
inline constexpr SqlState SqlState::kObjectNotInPrerequisiteState{"55000"};
inline constexpr SqlState SqlState::kObjectInUse{"55006"};
inline constexpr SqlState SqlState::kOperatorIntervention{"57000"};
inline constexpr SqlState SqlState::kQueryCanceled{"57014"};
inline constexpr SqlState SqlState::kAdminShutdown{"57P01"};
inline constexpr SqlState SqlState::kCannotConnectNow{"57P03"};
inline constexpr SqlState SqlState::kConfigFileError{"F0000"};
inline constexpr SqlState SqlState::kSystemError{"58000"};
inline constexpr SqlState SqlState::kIoError{"58030"};
inline constexpr SqlState SqlState::kInternalError{"XX000"};
inline constexpr SqlState SqlState::kDataCorrupted{"XX001"};
inline constexpr SqlState SqlState::kDependentObjectsStillExist{"2BP01"};
inline constexpr SqlState SqlState::kInvalidSchemaName{"3F000"};
inline constexpr SqlState SqlState::kReservedName{"42939"};

}  // namespace strata
