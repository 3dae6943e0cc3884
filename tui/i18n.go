package tui

import (
	"fmt"
	"strings"

	"github.com/kallelse/kallelse/domain"
)

// Lang is the language of the staff-facing text: Swedish by default,
// English selectable in configuration (ui.language).
type Lang string

// The languages.
const (
	Swedish Lang = "sv"
	English Lang = "en"
)

// msgs is the one message catalogue: every text the TUI shows, in both
// languages. Keys are English phrases in snake case.
var msgs = map[string][2]string{
	// Pages and titles.
	"app_title":       {"Kallelse · Klinisk fysiologi", "Kallelse · Clinical Physiology"},
	"page_bookings":   {"Bokningar", "Bookings"},
	"page_detail":     {"Bokning", "Booking"},
	"page_new":        {"Ny bokning", "New booking"},
	"page_rebook":     {"Boka om", "Rebook"},
	"page_attention":  {"Att hantera", "Needs attention"},
	"page_print":      {"Utskrifter", "Print queue"},
	"loading":         {"Läser …", "Loading …"},
	"no_bookings":     {"Inga bokningar matchar.", "No bookings match."},
	"error":           {"Fel", "Error"},
	"search":          {"Sök", "Search"},
	"search_hint":     {"namn eller personnummer", "name or identity number"},
	"filter":          {"Filter", "Filter"},
	"all":             {"alla", "all"},
	"exam":            {"Undersökning", "Examination"},
	"site":            {"Sjukhus", "Site"},
	"state":           {"Status", "State"},
	"from":            {"Från", "From"},
	"to":              {"Till", "To"},
	"visit":           {"Besök", "Visit"},
	"patient":         {"Patient", "Patient"},
	"identity":        {"Personnummer", "Identity"},
	"channel":         {"Kanal", "Channel"},
	"opened":          {"Öppnad", "Opened"},
	"reminders":       {"Påminn.", "Reminders"},
	"id":              {"Nr", "No"},
	"yes":             {"ja", "yes"},
	"no":              {"nej", "no"},
	"confirm_yes_no":  {"[j] ja   [n] nej", "[y] yes   [n] no"},
	"done":            {"Klart", "Done"},
	"undo_hint":       {"ångra med u", "undo with u"},
	"rows_of":         {"rad %d av %d%s", "row %d of %d%s"},
	"bookings_count":  {"%d bokningar", "%d bookings"},
	"loop_running":    {"loop igång", "loop running"},
	"loop_stopped":    {"loop stoppad", "loop stopped"},
	"last_tick":       {"senaste körning %s", "last tick %s"},
	"waiting":         {"%d väntar", "%d waiting"},
	"failing":         {"%d misslyckas", "%d failing"},
	"quarantined":     {"%d i karantän", "%d quarantined"},
	"attention_count": {"%d att hantera", "%d need attention"},

	// Column headers of the bookings table.
	"hdr_visit":     {"Besök", "Visit"},
	"hdr_patient":   {"Patient", "Patient"},
	"hdr_identity":  {"Personnr", "Identity"},
	"hdr_exam":      {"Unders.", "Exam"},
	"hdr_site":      {"Sjukhus", "Site"},
	"hdr_channel":   {"Kanal", "Channel"},
	"hdr_opened":    {"Öppnad", "Opened"},
	"hdr_reminders": {"Påminn.", "Reminders"},
	"hdr_state":     {"Status", "State"},

	// Channels and open status (words and symbols: never colour alone).
	"ch_digital":            {"digital", "digital"},
	"rem_4d":                {"4 dagar före", "4 days before"},
	"rem_1d":                {"1 dag före", "1 day before"},
	"rem_by_hand":           {"för hand", "by hand"},
	"actor_system":          {"systemet", "system"},
	"actor_1177":            {"1177", "1177"},
	"ch_digital_paper":      {"digital + papper", "digital + paper"},
	"ch_paper":              {"papper", "paper"},
	"ch_digital_no_letter":  {"digital (inget brev)", "digital (no letter)"},
	"ch_phone":              {"inget brev – ring patienten", "no letter – phone the patient"},
	"ch_hand_over":          {"inget brev – lämna enligt rutin", "no letter – hand over by routine"},
	"ol_letters":            {"Brev: %d, hinner fram före besöket", "Letters: %d, arriving before the visit"},
	"ol_too_late":           {"! Ett brev hinner inte fram före besöket: ring patienten i stället", "! A letter would not arrive before the visit: phone the patient instead"},
	"ol_blocked_phone":      {"! Inget brev (%s): ring patienten", "! No letter (%s): phone the patient"},
	"ol_blocked_hand_over":  {"! Inget brev (%s): lämna kallelsen enligt enhetens rutin", "! No letter (%s): hand the summons over by the unit's routine"},
	"ol_fallback_at":        {"Ej öppnad i 1177: brev %s", "Unopened in 1177: letter %s"},
	"ol_fallback_phone":     {"Ej öppnad i 1177: ring patienten (brev hinner inte fram)", "Unopened in 1177: phone the patient (no letter in time)"},
	"ol_fallback_blocked":   {"Ej öppnad i 1177: ring patienten (%s)", "Unopened in 1177: phone the patient (%s)"},
	"ol_fallback_hand_over": {"Ej öppnad i 1177: lämna enligt rutin (%s)", "Unopened in 1177: hand over by routine (%s)"},
	"not_sent":              {"ej skickad", "not sent"},
	"not_opened_for":        {"ej öppnad %s", "not opened %s"},
	"opened_at":             {"öppnad %s", "opened %s"},
	"fallback_sent":         {"papper sänt", "paper sent"},
	"paper_only":            {"papper", "paper"},

	// States.
	"st_booked":           {"bokad", "booked"},
	"st_summons_sent":     {"kallad", "summoned"},
	"st_opened":           {"öppnad", "opened"},
	"st_rebook_requested": {"vill boka om", "rebook requested"},
	"st_cancel_requested": {"vill avboka", "cancel requested"},
	"st_rebooked":         {"ombokad", "rebooked"},
	"st_cancelled":        {"avbokad", "cancelled"},
	"st_attended":         {"genomförd", "attended"},
	"st_no_show":          {"uteblev", "no-show"},

	// Reasons in words.
	"rs_under_18":           {"under 18 år när kallelsen skickas", "under 18 when the summons is sent"},
	"rs_interpreter":        {"behöver tolk", "needs an interpreter"},
	"rs_samordningsnummer":  {"har samordningsnummer", "has a samordningsnummer"},
	"rs_reservnummer":       {"reservnummer – ingen inkorg kan nås", "reservnummer – no inbox can be reached"},
	"rs_no_1177_account":    {"har aldrig loggat in på 1177", "has never logged in to 1177"},
	"rs_notifications_off":  {"har inte aktiverat aviseringar", "has not activated notifications"},
	"rs_exam_not_digital":   {"undersökningen har inte digital kallelse än", "examination not yet digital"},
	"rs_no_address":         {"adress saknas", "no postal address"},
	"rs_protected_identity": {"skyddade personuppgifter", "protected personal data"},
	"rs_paper_declined":     {"har valt bort brev i 1177", "declined letters by post in 1177"},

	// Events.
	"ev_booked":                   {"bokad", "booked"},
	"ev_summons_sent":             {"kallelse skickad", "summons sent"},
	"ev_delivered":                {"levererad till 1177", "delivered to 1177"},
	"ev_opened":                   {"öppnad av patienten", "opened by the patient"},
	"ev_paper_fallback_sent":      {"papperskallelse skickad", "paper letter sent"},
	"ev_reminder_sent":            {"sms-påminnelse skickad", "SMS reminder sent"},
	"ev_timer_skipped":            {"hoppades över", "skipped"},
	"ev_phone_task_raised":        {"ring patienten", "phone the patient"},
	"ev_phone_task_done":          {"patienten uppringd", "patient phoned"},
	"ev_rebook_requested":         {"patienten vill boka om", "patient asks to rebook"},
	"ev_cancel_requested":         {"patienten vill avboka", "patient asks to cancel"},
	"ev_rebooked":                 {"ombokad", "rebooked"},
	"ev_cancelled":                {"avbokad", "cancelled"},
	"ev_attended":                 {"genomförd", "attended"},
	"ev_no_show":                  {"uteblev", "no-show"},
	"ev_delivery_failed":          {"leverans misslyckades", "delivery failed"},
	"ev_letter_not_posted":        {"brev kunde inte skickas", "letter could not be posted"},
	"ev_hand_over_raised":         {"lämna kallelsen enligt enhetens rutin", "hand the summons over by the unit's routine"},
	"ev_hand_over_done":           {"kallelsen överlämnad", "summons handed over"},
	"ev_letter_withdrawn":         {"brev återkallat ur utskriftskön", "letter withdrawn from the print queue"},
	"ev_letter_printed":           {"brev utskrivet", "letter printed"},
	"ev_printed_letter_outdated":  {"utskrivet brev gäller inte längre", "printed letter is out of date"},
	"ev_outdated_letter_handled":  {"gammalt brev hanterat", "old letter handled"},
	"ev_cancellation_notice_sent": {"avbokningsbesked skickat", "cancellation notice sent"},
	"ev_patient_created":          {"patient registrerad", "patient registered"},
	"ev_patient_updated":          {"patientuppgifter ändrade", "patient record changed"},
	"ev_patient_changed":          {"patientens uppgifter ändrades efter kallelsen", "the patient's record changed after the summons"},
	"ev_time_kept":                {"tiden behålls", "time kept"},
	"ev_cancellation_undone":      {"avbokningen ångrades; ny kallelse", "cancellation undone; a new summons"},
	"ev_correction":               {"rättelse", "correction"},

	"pending":  {"Planerat", "Pending"},
	"timeline": {"Historik", "Timeline"},

	// Timers.
	"tm_summons":        {"skicka kallelse", "send summons"},
	"tm_paper_fallback": {"papperskallelse om ej öppnad", "paper letter if unopened"},
	"tm_reminder_4d":    {"sms 4 dagar före", "SMS 4 days before"},
	"tm_reminder_1d":    {"sms 1 dag före", "SMS 1 day before"},
	"tm_recheck":        {"pröva kallelsen igen", "re-check the summons"},
	"tm_phone_task":     {"ring patienten om ej öppnad", "phone if unopened"},

	// Actions. A question names the act, then the patient and the time;
	// "…_done" says what was done.
	"act_paper":                 {"skicka papperskallelse nu", "send paper letter now"},
	"act_paper_done":            {"Papperskallelsen skickades", "The paper letter was sent"},
	"act_sms":                   {"skicka sms-påminnelse nu", "send SMS reminder now"},
	"act_sms_done":              {"Sms-påminnelsen skickades", "The SMS reminder was sent"},
	"act_cancel":                {"avboka", "cancel"},
	"act_cancel_done":           {"Bokningen avbokades", "The booking was cancelled"},
	"act_undo_cancel":           {"ångra avbokningen (en ny kallelse går)", "undo the cancellation (a new summons goes)"},
	"act_undo_cancel_done":      {"Avbokningen ångrades; en ny kallelse går", "The cancellation was undone; a new summons goes"},
	"act_rebook":                {"boka om", "rebook"},
	"act_attended":              {"markera genomförd", "mark attended"},
	"act_attended_done":         {"Besöket markerades genomfört", "The visit was marked attended"},
	"act_noshow":                {"markera utebliven", "mark no-show"},
	"act_noshow_done":           {"Besöket markerades uteblivet", "The visit was marked no-show"},
	"act_correct_attended":      {"rätta utfallet till genomförd", "correct the outcome to attended"},
	"act_correct_attended_done": {"Utfallet rättades till genomförd", "The outcome was corrected to attended"},
	"act_correct_noshow":        {"rätta utfallet till utebliven", "correct the outcome to no-show"},
	"act_correct_noshow_done":   {"Utfallet rättades till utebliven", "The outcome was corrected to no-show"},
	"act_phoned":                {"markera uppringd", "mark phoned"},
	"act_phoned_done":           {"Markerad som uppringd", "Marked as phoned"},
	"act_handed_over":           {"markera överlämnad", "mark handed over"},
	"act_handed_over_done":      {"Markerad som överlämnad", "Marked as handed over"},
	"act_letter_handled":        {"markera det gamla brevet hanterat", "mark the old letter handled"},
	"act_letter_handled_done":   {"Det gamla brevet markerades hanterat", "The old letter was marked handled"},
	"act_keep":                  {"behåll tiden (svara på önskemålet)", "keep the time (answer the request)"},
	"act_keep_done":             {"Tiden behölls; påminnelserna går som planerat", "The time was kept; the reminders go as planned"},
	"act_no_task":               {"Bokningen har ingen öppen uppgift att markera", "The booking has no open task to mark"},
	"act_no_request":            {"Patienten har inget önskemål att svara på", "The patient has no request to answer"},
	"err_letter_too_late":       {"Ett brev som skickas nu kommer fram först på besöksdagen eller senare – ring patienten i stället", "A letter posted now would arrive on or after the visit day – phone the patient instead"},
	"err_letter_not_postable":   {"Inget brev kan skickas till patienten (adress saknas, skyddade personuppgifter eller avböjd post)", "No letter can be posted to the patient (no address, protected data or post declined)"},
	"confirm":                   {"%s: %s (bokning %d)?", "%s: %s (booking %d)?"},
	"confirm_again_letter":      {"Ett brev skickades redan kl %s. Skicka ett till: %s (bokning %d)?", "A letter was already sent at %s. Send another: %s (booking %d)?"},
	"confirm_again_sms":         {"En sms-påminnelse skickades redan kl %s. Skicka en till: %s (bokning %d)?", "An SMS reminder was already sent at %s. Send another: %s (booking %d)?"},
	"confirm_quiet_hours":       {"Det är natt: sms:et går först kl %s.", "It is night: the SMS goes only at %s."},
	"confirm_yes_no_note":       {"[j] ja   [a] ja, med anteckning   [n] nej", "[y] yes   [a] yes, with a note   [n] no"},
	"confirm_note_prompt":       {"Anteckning:", "Note:"},
	"confirm_note_keys":         {"[enter] ja, med anteckningen   [esc] avbryt", "[enter] yes, with the note   [esc] cancel"},
	"page_rollout":              {"Nästa steg i utrullningen", "The next rollout step"},
	"dash_key_rollout":          {"nästa steg", "next step"},
	"ro_key_groups":             {"grupperna bakom", "the groups behind"},
	"ro_key_table":              {"tillbaka till tabellen", "back to the table"},
	"ro_key_scroll":             {"bläddra", "scroll"},
	"ro_key_select":             {"välj, bläddra", "select, scroll"},
	"ro_computing":              {"Räknar…", "Computing…"},
	"ro_intro":                  {"Om undersökningen blev digital: besök %s – %s (%d dagar), per månad, 90 %% intervall inom parentes.", "If the examination went digital: visits %s – %s (%d days), per month, 90 %% interval in brackets."},
	"ro_none":                   {"Alla undersökningar har redan digital kallelse.", "Every examination already has digital summons."},
	"ro_exam":                   {"Undersökn.", "Exam"},
	"ro_summonses":              {"Kallelser", "Summonses"},
	"ro_avoided":                {"Sparade brev/mån", "Letters saved/month"},
	"ro_fallbacks":              {"Papper efter 3 d", "Fallback letters"},
	"ro_phone":                  {"Uppringningar", "Phone tasks"},
	"ro_also":                   {"%s: papper efter 3 d %s · uppringningar %s per månad", "%s: fallback letters %s · phone tasks %s per month"},
	"ro_too_few":                {"för få", "too few"},
	"ro_check":                  {"Efter steget: %s digital sedan %s – de %d dagarna före och efter", "After the step: %s digital since %s – the %d days before and after"},
	"ro_c_avoided":              {"Sparade brev", "Letters saved"},
	"ro_c_fallbacks":            {"Papper efter 3 d", "Fallback letters"},
	"ro_c_phone":                {"Uppringningar", "Phone tasks"},
	"ro_projected":              {"väntat", "projected"},
	"ro_actual":                 {"utfall", "actual"},
	"ro_inside":                 {"inom intervallet", "inside the interval"},
	"ro_outside":                {"utanför intervallet", "outside the interval"},
	"ro_unknown":                {"kan inte bedömas än", "cannot be judged yet"},
	"ro_footnote":               {"* en grupp bakom siffran har för få observationer för en skattning", "* a group behind the figure has too few observations for an estimate"},
	"ro_groups_title":           {"%s – sparade brev per månad %s: grupperna bakom", "%s – letters saved per month %s: the groups behind"},
	"ro_group":                  {"Grupp, väntetid", "Group, wait"},
	"ro_observed":               {"Observ.", "Observed"},
	"ro_rate":                   {"Öppnar i tid (90 %)", "Opens in time (90 %)"},
	"ro_interpreter":            {"tolk", "interpreter"},
	"ro_age_under_18":           {"under 18", "under 18"},
	"ro_age_18_64":              {"18–64", "18–64"},
	"ro_age_65_79":              {"65–79", "65–79"},
	"ro_age_80_plus":            {"80+", "80+"},
	"ro_age_unknown":            {"ålder okänd", "age unknown"},
	"ro_acc_no_account":         {"inget 1177-konto", "no 1177 account"},
	"ro_acc_notifications_off":  {"aviseringar av", "notifications off"},
	"ro_acc_notifications_on":   {"aviseringar på", "notifications on"},
	"page_patient_new":          {"Ny patient", "New patient"},
	"page_patient_edit":         {"Ändra patient", "Change patient"},
	"pf_identity":               {"Personnummer", "Identity number"},
	"pf_name":                   {"Namn", "Name"},
	"pf_phone":                  {"Telefon", "Phone"},
	"pf_interpreter":            {"Tolk", "Interpreter"},
	"pf_street":                 {"Gatuadress", "Street address"},
	"pf_postal":                 {"Postnummer", "Postal code"},
	"pf_city":                   {"Ort", "City"},
	"pf_account":                {"1177-konto", "1177 account"},
	"pf_notifications":          {"Aviseringar på", "Notifications on"},
	"pf_sms":                    {"Sms-påminnelser", "SMS reminders"},
	"pf_protected":              {"Skyddade uppgifter", "Protected data"},
	"pf_declined":               {"Avböjt brev (1177)", "Declined post (1177)"},
	"pf_yes":                    {"Ja", "Yes"},
	"pf_no":                     {"Nej", "No"},
	"pf_saving":                 {"Sparar…", "Saving…"},
	"pf_leave":                  {"Lämna formuläret utan att spara? [j] ja  [n] nej", "Leave the form without saving? [y] yes  [n] no"},
	"pf_help":                   {"tab/↓ nästa · ↑ föregående · mellanslag/j/n ja/nej · ctrl+s spara · esc tillbaka", "tab/↓ next · ↑ back · space/y/n yes/no · ctrl+s save · esc back"},
	"pf_saved":                  {"Patienten %s sparades", "Patient %s was saved"},
	"pf_added":                  {"Patienten %s lades till", "Patient %s was added"},
	"pf_err_name":               {"Namn saknas", "Name missing"},
	"pf_err_address":            {"Gatuadress, postnummer och ort hör ihop: fyll i alla tre, eller lämna alla tomma", "Street, postal code and city go together: fill in all three, or leave all empty"},
	"pf_err_postal":             {"Postnumret ska vara fem siffror", "The postal code is five digits"},
	"pf_err_phone":              {"Inte ett svenskt telefonnummer", "Not a Swedish phone number"},
	"pf_err_sms":                {"Sms-påminnelser kräver ett svenskt mobilnummer (07x)", "SMS reminders need a Swedish mobile number (07x)"},
	"pf_err_notifications":      {"Aviseringar kan inte vara påslagna utan 1177-konto", "Notifications cannot be on without a 1177 account"},
	"pf_err_exists":             {"En patient med det numret finns redan: ändra den i stället (E)", "A patient with that number exists: change that one instead (E)"},
	"pf_err_text":               {"Fältet är för långt eller har otillåtna tecken", "The field is too long or holds characters not allowed"},
	"blocked_state":             {"Går inte att %s: bokningen är %s", "Cannot %s: the booking is %s"},
	"blocked_started":           {"Går inte att %s: besöket har redan börjat", "Cannot %s: the visit has already started"},
	"blocked_not_started":       {"Går inte att %s förrän besöket har börjat (%s)", "Cannot %s before the visit has started (%s)"},
	"blocked_undo_late":         {"En avbokning kan bara ångras samma dag som den gjordes – boka en ny tid i stället", "A cancellation can be undone only on the day it was made – book a new time instead"},
	"blocked_cancel":            {"avboka", "cancel"},
	"blocked_rebook":            {"boka om", "rebook"},
	"blocked_attended":          {"markera genomförd", "mark attended"},
	"blocked_no_show":           {"markera utebliven", "mark no-show"},
	"blocked_send_paper":        {"skicka papperskallelse", "send a paper letter"},
	"blocked_remind":            {"skicka sms-påminnelse", "send an SMS reminder"},
	"blocked_correct":           {"rätta utfallet", "correct the outcome"},
	"blocked_undo_cancel":       {"ångra avbokningen", "undo the cancellation"},
	"err_illegal_transition":    {"Det går inte i bokningens nuvarande läge", "Not possible in the booking's present state"},
	"err_overlap":               {"Patienten har redan en bokning som överlappar den tiden", "The patient already has a booking overlapping that time"},
	"err_visit_in_past":         {"Tiden har redan passerat", "That time has already passed"},
	"err_visit_not_started":     {"Besöket har inte börjat än", "The visit has not started yet"},
	"err_no_sms_consent":        {"Patienten har inte bett om sms-påminnelser eller saknar mobilnummer", "The patient has not asked for SMS reminders or has no mobile number"},
	"err_cannot_correct":        {"Det går inte att rätta den här bokningen så", "This booking cannot be corrected that way"},
	"err_forbidden":             {"Din roll får inte göra det", "Your role may not do that"},
	"err_invalid_identity":      {"Ogiltigt person- eller samordningsnummer", "Invalid personal or coordination number"},
	"err_not_found":             {"Finns inte (kanske borttagen av någon annan)", "Not found (perhaps removed by someone else)"},

	// Attention and print queue.
	"attn_rebook":          {"vill boka om", "wants to rebook"},
	"attn_cancel":          {"vill avboka", "wants to cancel"},
	"attn_phone":           {"ring patienten", "phone the patient"},
	"attn_handover":        {"lämna enligt rutin", "hand over"},
	"attn_outdated":        {"gammalt brev", "old letter"},
	"attn_sec_outdated":    {"Utskrivna brev som inte gäller längre (%d)", "Printed letters that are out of date (%d)"},
	"attn_sec_late_rebook": {"Sena önskemål om ombokning, mindre än 72 timmar kvar (%d)", "Late rebook requests, less than 72 hours left (%d)"},
	"attn_sec_late_cancel": {"Sena avbokningar, mindre än 72 timmar kvar (%d)", "Late cancellations, less than 72 hours left (%d)"},
	"attn_sec_handover":    {"Skyddade personuppgifter – lämna enligt rutin (%d)", "Protected data – hand over by routine (%d)"},
	"attn_failing":         {"leverans misslyckas (%d försök)", "delivery failing (%d attempts)"},
	"attn_quarantine":      {"karantän", "quarantined"},
	"attn_sec_rebook":      {"Patienter som vill boka om (%d)", "Patients asking to rebook (%d)"},
	"attn_sec_cancel":      {"Patienter som vill avboka (%d)", "Patients asking to cancel (%d)"},
	"attn_sec_phone":       {"Ring patienten (%d)", "Phone the patient (%d)"},
	"attn_sec_failing":     {"Leveranser som misslyckas (%d)", "Deliveries that keep failing (%d)"},
	"attn_sec_quarantine":  {"Kvitton i karantän (%d)", "Quarantined receipt files (%d)"},
	"attn_empty":           {"Inget att hantera just nu.", "Nothing needs attention right now."},
	"attn_since":           {"sedan %s", "for %s"},
	"attn_no_reason":       {"ingen orsak angiven", "no reason given"},
	"attn_no_error":        {"inget felmeddelande", "no error message"},
	"attn_limit":           {"Visar de %d som väntat längst.", "Showing the %d waiting longest."},
	"attn_read_failed":     {"%s kunde inte läsas: %s", "%s could not be read: %s"},
	"attn_select":          {"välj", "select"},
	"attn_retry":           {"försök igen nu", "retry now"},
	"attn_requeue":         {"lägg tillbaka för nytt försök", "put back for another try"},
	"attn_retried":         {"Nytt leveransförsök nu: %s", "Delivery retried now: %s"},
	"attn_requeued":        {"Tillbaka i inkorgen för nytt försök: %s", "Back in the inbox for another try: %s"},
	"attn_discard":         {"lägg undan", "discard"},
	"attn_confirm_discard": {"Lägg undan %s för gott? Filen sparas i quarantine/discarded med skälet du anger.", "Discard %s for good? The file is kept in quarantine/discarded with the reason you give."},
	"attn_discarded":       {"%s lades undan", "%s was discarded"},
	"attn_not_in_outbox":   {"%s väntar inte längre på leverans (redan levererat?)", "%s is no longer waiting for delivery (delivered meanwhile?)"},
	"pq_not_configured":    {"Utskrifter är inte konfigurerade: ingen utskriftsmapp.", "Printing is not configured: no print folder."},
	"pq_today":             {"Idag, %s — brev: %d, utskrivna: %d", "Today, %s — letters: %d, printed: %d"},
	"pq_earlier":           {"Tidigare dag, %s — ej utskrivna: %d", "Earlier day, %s — not printed: %d"},
	"pq_today_word":        {"idag", "today"},
	"pq_yesterday_word":    {"igår", "yesterday"},
	"pq_printed":           {"utskriven", "printed"},
	"pq_not_printed":       {"ej utskriven", "not printed"},
	"pq_withdrawn":         {"återkallad", "withdrawn"},
	"pq_reprint":           {"skriv ut igen", "print again"},
	"pq_confirm_reprint":   {"Skriv ut alla brev från %s igen, även de redan utskrivna (%d)?", "Print every letter of %s again, the printed ones too (%d)?"},
	"pq_batch":             {"skriv ut %s", "print %s"},
	"pq_mark":              {"markera utskrivna", "mark printed"},
	"pq_batch_file":        {"Utskriftsfil: %s (%d brev)", "Print file: %s (%d letters)"},
	"pq_marked":            {"%d brev markerade som utskrivna", "%d letters marked printed"},
	"pq_confirm_mark":      {"Markera breven från %s som utskrivna (ej utskrivna: %d)?", "Mark the letters of %s printed (not printed: %d)?"},
	"pq_no_letters":        {"Inga brev att skriva ut för %s", "No letters to print for %s"},
	"pq_read_failed":       {"Brev från %s kunde inte läsas: %s", "Letters of %s could not be read: %s"},
	"pu_summons":           {"kallelse", "summons"},
	"pu_fallback":          {"ej öppnad i 1177", "unopened in 1177"},
	"pu_fallback_by_hand":  {"skickad för hand", "sent by hand"},
	"pu_reminder_4d":       {"sms 4 dagar före", "SMS 4 days before"},
	"pu_reminder_1d":       {"sms 1 dag före", "SMS 1 day before"},
	"pu_reminder_by_hand":  {"sms för hand", "SMS by hand"},

	// Booking form.
	"form_patient":          {"Patient", "Patient"},
	"form_exam":             {"Undersökning", "Examination"},
	"form_site":             {"Sjukhus", "Site"},
	"form_date":             {"Datum", "Date"},
	"form_time":             {"Tid", "Time"},
	"form_current":          {"Nu bokad", "Booked now"},
	"form_booking_no":       {"bokning %d", "booking %d"},
	"form_patient_hint":     {"namn eller personnummer", "name or identity number"},
	"form_date_placeholder": {"ÅÅÅÅ-MM-DD", "YYYY-MM-DD"},
	"form_time_placeholder": {"TT:MM", "HH:MM"},
	"form_date_hint":        {"ÅÅÅÅ-MM-DD · MM-DD · +dagar", "YYYY-MM-DD · MM-DD · +days"},
	"form_no_patient_id":    {"Ingen patient med personnummer %s", "No patient with identity number %s"},
	"form_no_match":         {"Ingen patient matchar ”%s”", "No patient matches “%s”"},
	"form_id_invalid":       {"Ogiltigt personnummer: %s", "Invalid identity number: %s"},
	"form_patient_missing":  {"Välj en patient", "Choose a patient"},
	"form_pick_patient":     {"Välj en patient i listan (↑/↓, enter)", "Choose a patient from the list (↑/↓, enter)"},
	"form_age":              {"%d år", "%d years"},
	"form_interpreter":      {"tolk: %s", "interpreter: %s"},
	"form_1177_none":        {"inget 1177-konto", "no 1177 account"},
	"form_1177_quiet":       {"1177-konto, aviseringar av", "1177 account, notifications off"},
	"form_1177_ok":          {"1177-konto, aviseringar på", "1177 account, notifications on"},
	"form_sms_yes":          {"sms-påminnelser: ja", "SMS reminders: yes"},
	"form_sms_no":           {"sms-påminnelser: nej", "SMS reminders: no"},
	"form_exam_digital":     {"digital kallelse", "digital summons"},
	"form_exam_paper":       {"endast papper", "paper only"},
	"form_date_invalid":     {"”%s” är inget datum: skriv ÅÅÅÅ-MM-DD, MM-DD eller +dagar", "“%s” is not a date: write YYYY-MM-DD, MM-DD or +days"},
	"form_date_past":        {"datumet har redan passerat", "that date has passed"},
	"form_date_missing":     {"ange datum", "enter a date"},
	"form_time_invalid":     {"”%s” är ingen tid: skriv TT:MM", "“%s” is not a time: write HH:MM"},
	"form_time_past":        {"tiden har redan passerat", "that time has already passed"},
	"form_time_skipped": {"%s finns inte %s: klockan ställs fram från %s till %s den natten",
		"%s does not exist on %s: the clocks go forward from %s to %s that night"},
	"form_time_twice": {"%s inträffar två gånger %s: klockan ställs tillbaka från %s till %s den natten; välj en annan tid",
		"%s happens twice on %s: the clocks go back from %s to %s that night; choose another time"},
	"form_time_missing":     {"ange tid", "enter a time"},
	"form_nonworking":       {"%s är inte en arbetsdag (%s)", "%s is not a working day (%s)"},
	"form_decision":         {"Kallelse", "Summons"},
	"form_decision_wait":    {"Välj patient och undersökning så visas kanalen här.", "Choose a patient and an examination to see the channel here."},
	"form_no_reasons":       {"inga skäl för papper", "no reason for paper"},
	"form_overlap":          {"Patienten har redan en bokning som krockar: nr %d, %s, %s", "The patient already has an overlapping booking: no. %d, %s, %s"},
	"form_overlap_checking": {"kontrollerar krockar …", "checking for overlaps …"},
	"form_overlap_none":     {"inga krockande bokningar", "no overlapping bookings"},
	"form_confirm_book":     {"Boka?", "Book?"},
	"form_confirm_rebook":   {"Flytta bokning %d?", "Move booking %d?"},
	"form_booking":          {"Bokar …", "Booking …"},
	"form_booked":           {"Bokning %d skapad – %s", "Booking %d created – %s"},
	"form_rebooked":         {"Bokning %d flyttad till %s", "Booking %d moved to %s"},
	"form_leave":            {"Lämna formuläret utan att boka?", "Leave the form without booking?"},
	"form_help":             {"tab/↓ nästa · ↑ förra · ←/→ välj · enter välj/nästa · ctrl+s boka · esc avbryt", "tab/↓ next · ↑ back · ←/→ choose · enter pick/next · ctrl+s book · esc cancel"},
	"form_help_rebook":      {"tab/↓ nästa · ↑ förra · enter nästa · ctrl+s boka om · esc avbryt", "tab/↓ next · ↑ back · enter next · ctrl+s rebook · esc cancel"},

	// Dashboard.
	"page_dashboard":         {"Översikt", "Overview"},
	"dash_no_reports":        {"Översikten är inte tillgänglig: inga rapporter i den här installationen.", "The overview is not available: no reports in this installation."},
	"dash_range":             {"Veckor %s – %s (%s – %s)", "Weeks %s – %s (%s – %s)"},
	"dash_exam_filter":       {"undersökning: %s", "examination: %s"},
	"dash_sent":              {"Digitala kallelser skickade", "Digital summonses sent"},
	"dash_opened":            {"Öppnade", "Opened"},
	"dash_in_time":           {"Öppnade inom 3 dygn", "Opened within 3 days"},
	"dash_median":            {"Tid till öppning, median", "Time to open, median"},
	"dash_p90":               {"90:e percentil till öppning", "90th percentile to open"},
	"dash_avoided":           {"Papper som sparats", "Paper letters avoided"},
	"dash_fallback":          {"Papper efter 3 dygn (R4)", "Paper after 3 days (R4)"},
	"dash_by_hand":           {"Papper skickat för hand", "Paper sent by hand"},
	"dash_paper_only":        {"Endast papper", "Paper only"},
	"dash_reminders":         {"Sms-påminnelser", "SMS reminders"},
	"dash_rebook_requests":   {"Ombokningsönskemål", "Rebook requests"},
	"dash_cancel_requests":   {"Avbokningsönskemål", "Cancel requests"},
	"dash_complement":        {"Kompletterande papper (R3): %s", "Complementary paper (R3): %s"},
	"dash_no_shows":          {"Uteblivna per kanalgrupp:", "No-shows by channel group:"},
	"dash_of":                {"%s av %s", "%s of %s"},
	"dash_bars":              {"Andel öppnade per undersökning", "Open rate by examination"},
	"dash_trend":             {"Trend per vecka, digitala kallelser", "Weekly trend, digital summonses"},
	"dash_trend_rate":        {"Öppnade", "Opened"},
	"dash_trend_sent":        {"Skickade", "Sent"},
	"dash_min_max":           {"min %s (%s) · max %s (%s)", "min %s (%s) · max %s (%s)"},
	"dash_week_short":        {"v%d", "w%d"},
	"dash_breakdown":         {"Uppdelning:", "Breakdown:"},
	"dash_by_exam":           {"undersökning", "examination"},
	"dash_by_site":           {"sjukhus", "site"},
	"dash_by_week":           {"vecka", "week"},
	"dash_by_age":            {"åldersgrupp", "age band"},
	"dash_by_group":          {"kanalgrupp", "channel group"},
	"dash_col_sent":          {"Skickade", "Sent"},
	"dash_col_sent_long":     {"Skickade digitalt", "Sent digitally"},
	"dash_col_opened":        {"Öppnade", "Opened"},
	"dash_col_in_time":       {"Inom 3 d", "≤ 3 days"},
	"dash_col_in_time_long":  {"Inom 3 dygn", "Within 3 days"},
	"dash_col_median":        {"Median", "Median"},
	"dash_col_median_long":   {"Median öppning", "Median to open"},
	"dash_col_paper":         {"Papper", "Paper"},
	"dash_col_paper_long":    {"Papper (alla)", "Paper (all)"},
	"dash_col_no_show":       {"Uteblivna", "No-shows"},
	"dash_age_under_18":      {"under 18 år", "under 18"},
	"dash_age_18_64":         {"18–64 år", "18–64"},
	"dash_age_65_79":         {"65–79 år", "65–79"},
	"dash_age_80_plus":       {"80 år och äldre", "80 and over"},
	"dash_age_unknown":       {"okänd ålder", "age unknown"},
	"dash_grp_digital_only":  {"endast digitalt", "digital only"},
	"dash_grp_digital_paper": {"digitalt + papper", "digital + paper"},
	"dash_grp_paper_only":    {"endast papper", "paper only"},
	"dash_minutes":           {"%d min", "%d min"},
	"dash_hours":             {"%d t", "%d h"},
	"dash_days":              {"%d d", "%d d"},
	"dash_hours_dec":         {"%s t", "%s h"},
	"dash_days_dec":          {"%s d", "%s d"},
	"dash_drill_title":       {"Bakom %s —", "Behind %s —"},
	"dash_drill_count":       {"kallelser %d", "summonses %d"},
	"dash_drill_digital":     {"digitala %d", "digital %d"},
	"dash_drill_opened":      {"öppnade %d", "opened %d"},
	"dash_drill_no_shows":    {"uteblivna %d", "no-shows %d"},
	"dash_no_digital":        {"ingen digital kallelse", "no digital summons"},
	"dash_drill_empty":       {"Inga kallelser bakom den här raden.", "No summonses behind this row."},
	"dash_col_booking":       {"Bokning", "Booking"},
	"dash_col_day":           {"Skickad", "Sent"},
	"dash_col_exam":          {"Unders.", "Exam"},
	"dash_col_site":          {"Sjukhus", "Site"},
	"dash_col_group":         {"Kanalgrupp", "Channel group"},
	"dash_col_open":          {"Öppnad", "Opened"},
	"dash_col_visit":         {"Besök", "Visit"},
	"dash_opened_after":      {"✓ efter %s", "✓ after %s"},
	"dash_not_opened":        {"✗ ej öppnad", "✗ not opened"},
	"dash_key_drill":         {"bokningar", "bookings"},
	"dash_key_breakdown":     {"uppdelning", "breakdown"},
	"dash_key_week":          {"vecka", "week"},
	"dash_key_12_weeks":      {"12 veckor", "12 weeks"},
	"dash_key_exam":          {"undersökning", "examination"},
	"dash_key_open_booking":  {"öppna bokning", "open booking"},

	// The server's goodbyes, written on the terminal after the UI ends.
	"goodbye_shutdown": {"Kallelse-servern stängs. Det du sparat finns kvar; anslut igen om en stund.",
		"The Kallelse server is shutting down. What you saved is kept; connect again in a moment."},
	"goodbye_roster": {"Din behörighet i Kallelse har ändrats. Anslut igen.",
		"Your access to Kallelse has changed. Connect again."},
}

// T returns the text for key in lang, formatted with args.
func T(lang Lang, key string, args ...any) string {
	m, ok := msgs[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == English {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// StateText names a booking state.
func StateText(lang Lang, s domain.BookingState) string { return T(lang, "st_"+string(s)) }

// ReasonText explains a reason code.
func ReasonText(lang Lang, r domain.Reason) string { return T(lang, "rs_"+string(r)) }

// EventText names an event type.
func EventText(lang Lang, e domain.EventType) string { return T(lang, "ev_"+string(e)) }

// OutlookText names what will really go: the channels, never a letter
// that cannot be posted or arrive in time.
func OutlookText(lang Lang, o domain.Outlook) string {
	switch {
	case o.Envelopes > 0 && o.Decision.Digital:
		return T(lang, "ch_digital_paper")
	case o.Envelopes > 0:
		return T(lang, "ch_paper")
	case o.Decision.Digital && o.Decision.Paper:
		return T(lang, "ch_digital_no_letter")
	case o.Decision.Digital:
		return T(lang, "ch_digital")
	case o.Task == domain.TaskHandOver:
		return T(lang, "ch_hand_over")
	}
	return T(lang, "ch_phone")
}

// OutlookLines say, line by line, what follows the summons: the letters,
// or why none goes and what staff do instead; for a digital summons what
// happens if it stays unopened. Each line is (warning, text).
func OutlookLines(lang Lang, o domain.Outlook) []OutlookLine {
	var out []OutlookLine
	switch {
	case o.Envelopes > 0:
		out = append(out, OutlookLine{false, T(lang, "ol_letters", o.Envelopes)})
	case o.LetterTooLate:
		out = append(out, OutlookLine{true, T(lang, "ol_too_late")})
	case o.LetterBlocked != "" && o.Task == domain.TaskHandOver:
		out = append(out, OutlookLine{true, T(lang, "ol_blocked_hand_over", ReasonText(lang, o.LetterBlocked))})
	case o.LetterBlocked != "":
		out = append(out, OutlookLine{true, T(lang, "ol_blocked_phone", ReasonText(lang, o.LetterBlocked))})
	}
	if !o.Decision.Digital || o.Envelopes > 0 {
		return out
	}
	switch {
	case !o.FallbackAt.IsZero():
		out = append(out, OutlookLine{false, T(lang, "ol_fallback_at", weekdayShort(lang, o.FallbackAt)+" "+fmtShort(o.FallbackAt))})
	case o.LetterBlocked != "":
		// said above
	case o.FallbackTask == domain.TaskHandOver:
		out = append(out, OutlookLine{true, T(lang, "ol_fallback_hand_over", ReasonText(lang, o.FallbackBlocked))})
	case o.FallbackBlocked != "":
		out = append(out, OutlookLine{true, T(lang, "ol_fallback_blocked", ReasonText(lang, o.FallbackBlocked))})
	case o.FallbackTask != "" && !o.LetterTooLate:
		out = append(out, OutlookLine{true, T(lang, "ol_fallback_phone")})
	}
	return out
}

// OutlookLine is one line of OutlookLines.
type OutlookLine struct {
	Warn bool
	Text string
}

// ChannelText names a channel decision.
func ChannelText(lang Lang, d domain.Decision) string {
	switch {
	case d.Digital && d.Paper:
		return T(lang, "ch_digital_paper")
	case d.Digital:
		return T(lang, "ch_digital")
	default:
		return T(lang, "ch_paper")
	}
}

// noteTexts translates the system's notes (domain.SystemNotes) phrase by phrase.
var noteTexts = map[string][2]string{
	domain.NoteByHand:             {"för hand", "by hand"},
	domain.NoteVisitMoved:         {"besöket flyttades", "the visit was moved"},
	domain.NoteVisitCancelled:     {"besöket avbokades", "the visit was cancelled"},
	domain.NoteRechecked:          {"prövades igen efter att patientens uppgifter ändrats", "re-checked after the patient's record changed"},
	domain.NoteCancelNotice:       {"avbokningsbesked", "cancellation notice"},
	domain.NoteNoNotice:           {"inget besked kunde skickas", "no notice could be made"},
	domain.NoteUnopened:           {"kallelsen är inte öppnad", "the summons is unopened"},
	domain.NoteLetterLate:         {"ett pappersbrev skulle komma fram först på besöksdagen eller senare", "a paper letter would arrive on or after the visit day"},
	domain.NoteUnopenedLetterLate: {"kallelsen är inte öppnad och ett brev skulle komma fram för sent", "the summons is unopened and a letter would arrive too late"},
	domain.NoteUnopenedNoLetter:   {"kallelsen är inte öppnad och inget brev hinner fram före besöket", "the summons is unopened and no letter can arrive before the visit"},
	domain.NoteNotPrintedInTime:   {"brevet skrevs inte ut i tid för att hinna fram före besöket", "the letter was not printed in time to arrive before the visit"},
	domain.NotePrintedTooLate:     {"utskrivet nu skulle det komma fram först på besöksdagen eller senare", "printed now it would arrive on or after the visit day"},
	domain.NotePrintedWithdrawn:   {"utskrivet efter att det återkallats", "printed after it was withdrawn"},
	domain.NotePrintedVoid:        {"utskrivet, men tiden det anger gäller inte längre", "printed, but the time it names is void"},
	domain.NoteBlockedProtected:   {"skyddade personuppgifter: lämna kallelsen enligt enhetens rutin", "protected personal data: hand the summons over by the unit's routine"},
	domain.NoteBlockedDeclined:    {"patienten har avböjt brev med post i 1177", "the patient declined letters by post in 1177"},
	domain.NoteBlockedNoAddress:   {"ingen postadress är känd", "no postal address is known"},
	domain.NoteAccountOpened:      {"1177-konto öppnat", "1177 account opened"},
	domain.NoteAccountClosed:      {"1177-konto stängt", "1177 account closed"},
	domain.NoteNotificationsOn:    {"aviseringar påslagna", "notifications turned on"},
	domain.NoteNotificationsOff:   {"aviseringar avslagna", "notifications turned off"},
	domain.NoteAddressChanged:     {"adressen ändrades", "address changed"},
	domain.NoteProtectedOn:        {"skyddade personuppgifter registrerade", "protected personal data recorded"},
	domain.NoteProtectedOff:       {"skyddade personuppgifter hävda", "protected personal data lifted"},
	domain.NotePostDeclined:       {"brev med post avböjda", "letters by post declined"},
	domain.NotePostAccepted:       {"brev med post godtas igen", "letters by post accepted again"},
	domain.NoteGuardiansChanged:   {"vårdnadshavare ändrade", "guardians changed"},
	domain.NoteNotActive:          {"bokningen är inte längre aktiv", "booking is no longer active"},
	domain.NoteEarlierSummons:     {"gäller en tidigare kallelse", "concerns an earlier summons"},
	domain.NotePhoneTaskDropped:   {"uppringning behövs inte längre", "phone task no longer needed"},
	domain.LateRequestNote:        {"sent: mindre än 72 timmar före besöket", "late: less than 72 hours before the visit"},
	domain.SkipVisitPassed:        {"besöket har passerat", "the visit has passed"},
	domain.SkipPassedAtBooking:    {"tiden hade redan passerat när kallelsen gick", "its time had passed when the summons went"},
	domain.SkipCoveredBy1d:        {"täcks av påminnelsen dagen före", "covered by the reminder the day before"},
	domain.SkipTooCloseToVisit:    {"för nära besöket", "too close to the visit"},
	domain.SkipNoSMSConsent:       {"patienten vill inte ha sms eller saknar mobilnummer", "the patient wants no SMS or has no mobile number"},
	domain.SkipLetterTooLate:      {"ett brev skulle komma fram för sent", "a letter would arrive too late"},
	domain.SkipNotSent:            {"ingen kallelse skickades", "no summons was sent"},
	domain.SkipAlreadyPaperSent:   {"ett pappersbrev har redan skickats", "a paper letter was already sent"},
	domain.SkipRequestPending:     {"patientens önskemål väntar på svar", "the patient's request awaits an answer"},
}

// NoteText is an event's note in the staff's language: each of the system's
// phrases translated (a note may join several, or put one before a
// detail); what staff typed, or an error from outside, as it is.
func NoteText(lang Lang, note string) string {
	parts := strings.Split(note, domain.NoteJoin)
	for i, p := range parts {
		parts[i] = notePhrase(lang, p)
	}
	return strings.Join(parts, domain.NoteJoin)
}

func notePhrase(lang Lang, p string) string {
	pick := func(t [2]string) string {
		if lang == English {
			return t[1]
		}
		return t[0]
	}
	if t, ok := noteTexts[p]; ok {
		return pick(t)
	}
	if head, rest, ok := strings.Cut(p, ": "); ok {
		if t, ok := noteTexts[head]; ok {
			return pick(t) + ": " + notePhrase(lang, rest)
		}
	}
	return p
}
