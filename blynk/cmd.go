package blynk

import "strconv"

// Cmd is the command code in byte 0 of a frame header.
type Cmd uint8

// Command codes, numbered as in the library's BlynkProtocolDefs.h and the
// server's Command.java (see reference §1.3). Where the two disagree the
// library's hardware-side name wins.
const (
	CmdResponse             Cmd = 0
	CmdRegister             Cmd = 1
	CmdLogin                Cmd = 2 // hardware login up to library 0.5.4
	CmdSaveProf             Cmd = 3
	CmdLoadProf             Cmd = 4
	CmdGetToken             Cmd = 5
	CmdPing                 Cmd = 6
	CmdActivate             Cmd = 7
	CmdDeactivate           Cmd = 8
	CmdRefresh              Cmd = 9
	CmdGetGraphData         Cmd = 10
	CmdGetGraphDataResponse Cmd = 11
	CmdTweet                Cmd = 12
	CmdEmail                Cmd = 13
	CmdNotify               Cmd = 14
	CmdBridge               Cmd = 15
	CmdHardwareSync         Cmd = 16
	CmdInternal             Cmd = 17
	CmdSMS                  Cmd = 18
	CmdProperty             Cmd = 19
	CmdHardware             Cmd = 20
	CmdCreateDash           Cmd = 21 // GROUP in library 1.2.0+
	CmdSaveDash             Cmd = 22
	CmdDeleteDash           Cmd = 23
	CmdLoadProfGz           Cmd = 24
	CmdSync                 Cmd = 25
	CmdSharing              Cmd = 26
	CmdAddPushToken         Cmd = 27
	CmdExportGraphData      Cmd = 28
	CmdHWLogin              Cmd = 29 // hardware login from library 0.6.0 on
	CmdGetShareToken        Cmd = 30
	CmdRefreshShareToken    Cmd = 31
	CmdShareLogin           Cmd = 32
	CmdRedirect             Cmd = 41
	CmdDebugPrint           Cmd = 55
	CmdEventLog             Cmd = 64
	CmdEventClear           Cmd = 65
)

var cmdNames = map[Cmd]string{
	CmdResponse: "RESPONSE", CmdRegister: "REGISTER", CmdLogin: "LOGIN",
	CmdSaveProf: "SAVE_PROF", CmdLoadProf: "LOAD_PROF", CmdGetToken: "GET_TOKEN",
	CmdPing: "PING", CmdActivate: "ACTIVATE", CmdDeactivate: "DEACTIVATE",
	CmdRefresh: "REFRESH", CmdGetGraphData: "GET_GRAPH_DATA",
	CmdGetGraphDataResponse: "GET_GRAPH_DATA_RESPONSE", CmdTweet: "TWEET",
	CmdEmail: "EMAIL", CmdNotify: "NOTIFY", CmdBridge: "BRIDGE",
	CmdHardwareSync: "HARDWARE_SYNC", CmdInternal: "INTERNAL", CmdSMS: "SMS",
	CmdProperty: "PROPERTY", CmdHardware: "HARDWARE", CmdCreateDash: "CREATE_DASH",
	CmdSaveDash: "SAVE_DASH", CmdDeleteDash: "DELETE_DASH", CmdLoadProfGz: "LOAD_PROF_GZ",
	CmdSync: "SYNC", CmdSharing: "SHARING", CmdAddPushToken: "ADD_PUSH_TOKEN",
	CmdExportGraphData: "EXPORT_GRAPH_DATA", CmdHWLogin: "HW_LOGIN",
	CmdGetShareToken: "GET_SHARE_TOKEN", CmdRefreshShareToken: "REFRESH_SHARE_TOKEN",
	CmdShareLogin: "SHARE_LOGIN", CmdRedirect: "REDIRECT", CmdDebugPrint: "DEBUG_PRINT",
	CmdEventLog: "EVENT_LOG", CmdEventClear: "EVENT_CLEAR",
}

// String is the library name, or CMD_<n> for a code nobody defines.
func (c Cmd) String() string {
	if n, ok := cmdNames[c]; ok {
		return n
	}
	return "CMD_" + strconv.Itoa(int(c))
}

// Known reports whether c is a code defined by the library or the server.
func (c Cmd) Known() bool { _, ok := cmdNames[c]; return ok }

// IsLogin reports whether c is a hardware login (LOGIN or HW_LOGIN).
func (c Cmd) IsLogin() bool { return c == CmdLogin || c == CmdHWLogin }

// Status is the status code a RESPONSE frame carries in its length field.
type Status uint16

// Status codes (reference §1.4).
const (
	StatusSuccess                   Status = 200
	StatusQuotaLimit                Status = 1
	StatusIllegalCommand            Status = 2
	StatusNotRegistered             Status = 3
	StatusAlreadyRegistered         Status = 4
	StatusNotAuthenticated          Status = 5
	StatusNotAllowed                Status = 6
	StatusDeviceNotInNetwork        Status = 7
	StatusNoActiveDashboard         Status = 8
	StatusInvalidToken              Status = 9
	StatusIllegalCommandBody        Status = 11
	StatusGetGraphDataException     Status = 12
	StatusNtfInvalidBody            Status = 13
	StatusNtfNotAuthorized          Status = 14
	StatusNtfException              Status = 15
	StatusTimeout                   Status = 16
	StatusNoData                    Status = 17
	StatusDeviceWentOffline         Status = 18
	StatusServerException           Status = 19
	StatusNotSupportedVersion       Status = 20
	StatusEnergyLimit               Status = 21
	StatusFacebookUserLoginWithPass Status = 22
	StatusOperationAccept           Status = 23
	StatusOperationDecline          Status = 24
)

var statusNames = map[Status]string{
	StatusSuccess: "SUCCESS", StatusQuotaLimit: "QUOTA_LIMIT_EXCEPTION",
	StatusIllegalCommand: "ILLEGAL_COMMAND", StatusNotRegistered: "NOT_REGISTERED",
	StatusAlreadyRegistered: "ALREADY_REGISTERED", StatusNotAuthenticated: "NOT_AUTHENTICATED",
	StatusNotAllowed: "NOT_ALLOWED", StatusDeviceNotInNetwork: "DEVICE_NOT_IN_NETWORK",
	StatusNoActiveDashboard: "NO_ACTIVE_DASHBOARD", StatusInvalidToken: "INVALID_TOKEN",
	StatusIllegalCommandBody: "ILLEGAL_COMMAND_BODY", StatusGetGraphDataException: "GET_GRAPH_DATA_EXCEPTION",
	StatusNtfInvalidBody: "NTF_INVALID_BODY", StatusNtfNotAuthorized: "NTF_NOT_AUTHORIZED",
	StatusNtfException: "NTF_ECXEPTION", StatusTimeout: "TIMEOUT", StatusNoData: "NO_DATA_EXCEPTION",
	StatusDeviceWentOffline: "DEVICE_WENT_OFFLINE", StatusServerException: "SERVER_EXCEPTION",
	StatusNotSupportedVersion: "NOT_SUPPORTED_VERSION", StatusEnergyLimit: "ENERGY_LIMIT",
	StatusFacebookUserLoginWithPass: "FACEBOOK_USER_LOGIN_WITH_PASS",
	StatusOperationAccept:           "OPERATION_ACCEPT", StatusOperationDecline: "OPERATION_DECLINE",
}

// String is the library name (SUCCESS for 200), or STATUS_<n>.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "STATUS_" + strconv.Itoa(int(s))
}

// Known reports whether s is a defined status code.
func (s Status) Known() bool { _, ok := statusNames[s]; return ok }
