"""Pattern rules for the input rail, each family mapped to the reason code it reports.

Patterns run on lower-cased text after ``normalize.variants``. They look for the *shape* of an
attack (an instruction about instructions, a persona without rules, a request for the hidden
prompt), not for single words, so that questions such as "which alerts can on-call ignore?"
or "how do I reset my password?" pass.
"""

from __future__ import annotations

import re

_OBJ = r"(?:instructions?|rules?|prompts?|directions?|guidelines?|directives?|guardrails?|restrictions?|constraints?|policies|programming|context|orders|commands)"
_PRIOR = r"(?:all|any|every|the|your|my|these|those|previous|prior|preceding|earlier|above|former|original|initial|existing|system|safety|of\s+the|of\s+your)"

INJECTION = [
    # Concatenated, not an f-string: doubled braces would be read as template syntax at bake time.
    r"\b(?:ignore|disregard|forget|discard|neglect|overlook)\b(?:\W+\w+){0,4}?\W+"
    + _PRIOR
    + r"\b(?:\W+\w+){0,3}?\W+"
    + _OBJ
    + r"\b",
    r"\b(?:override|bypass|abandon|drop)\s+(?:all|any|every|your|previous|prior|earlier|above|initial|original|system)\b(?:\W+\w+){0,3}?\W+"
    + _OBJ
    + r"\b",
    r"\b(?:ignore|disregard|forget)\s+(?:everything|all)\s+(?:above|before|previously|you\s+(?:were|have\s+been)\s+told)",
    r"\bnew\s+(?:instructions?|rules?|task|directive|system\s+prompt)\s*[:\-]",
    r"\byou\s+are\s+(?:now\s+(?:a|an|the|in|my|called|named|free|unrestricted|unfiltered|jailbroken|acting|going\s+to|playing|dan)\b|no\s+longer\b)",
    r"\bfrom\s+now\s+on\b.{0,40}\b(?:you|your|answer|respond|reply|act)\b",
    r"(?:^|\n|[.?!]\s)\s*(?:system|assistant|developer|admin)\s*(?:prompt|message|note|override)?\s*:\s*\S",
    r"#{2,}\s*(?:instruction|system|new task|task)",
    r"</?\s*(?:system|context|instructions?|prompt|documents?)\s*>",
    r"\[/?(?:inst|system)\]",
    r"\b(?:developer|debug|god|admin|sudo|maintenance)\s+mode\b",
    r"\b(?:do\s+anything\s+now)\b",
    r"\b(?:reply|respond|answer|output|say)\s+(?:only\s+)?with\s+(?:only\s+)?['\"]",
    r"\b(?:ignorez?|oubliez?|ignore)\s+(?:toutes?\s+)?(?:les\s+)?(?:instructions|consignes|règles)",
    r"\b(?:ignoriere|vergiss|missachte)\w*\s+(?:alle\s+)?(?:vorherigen\s+|bisherigen\s+)?(?:anweisungen|regeln|instruktionen)",
    r"\b(?:ignora|olvida)\w*\s+(?:todas\s+)?(?:las\s+)?(?:instrucciones|reglas|indicaciones)(?:\s+anteriores)?",
    r"\b(?:ignora|dimentica)\w*\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole)",
    # Softer override verbs: "set aside / skip / cancel / reset / suspend your guidance".
    r"\b(?:set|put|push|lay|throw)\s+aside\b(?:\W+\w+){0,4}?\W+(?:guidance|"
    + _OBJ[3:]
    + r"|\b(?:skip|cancel|suspend|reset|revoke|lift|waive|relax|switch\s+off|turn\s+off|drop)\s+(?:all\s+|any\s+|the\s+)?(?:your|my|these|those|prior|previous|earlier|usual|normal|current|existing|initial|original|safety|all)\b(?:\W+\w+){0,3}?\W+(?:guidance|settings|filters|"
    + _OBJ[3:],
    # Passive: "your previous directives have been revoked", "the earlier instructions were only a test".
    r"\b(?:instructions?|directives?|rules|guidance|guidelines|prompts?|policies|everything\s+(?:you\s+(?:were|have\s+been)\s+told|above))\b.{0,50}?\b(?:are|were|is|was|have\s+been|has\s+been)\s+(?:now\s+|only\s+|all\s+)?(?:void|null|revoked|outdated|obsolete|cancel+ed|suspended|lifted|replaced|superseded|invalid|a\s+test|only\s+a\s+test|no\s+longer\s+(?:valid|in\s+force|active))",
    r"\b(?:everything|anything|all)\s+(?:you\s+(?:were|have\s+been)\s+told|(?:written\s+|said\s+)?(?:above|before))(?:\s+(?:above|before|earlier|previously))?(?:\s+this\s+\w+)?\s+(?:no\s+longer\s+appl(?:y|ies)|(?:is|are)\s+(?:now\s+)?(?:void|cancel+ed|irrelevant))",
    r"\btreat\s+(?:everything|all|anything)\s+(?:above|before|prior)\b.{0,30}\b(?:void|irrelevant|cancel+ed|null)",
    r"\byour\s+(?:real|actual|true|new|only|sole)\s+(?:task|job|purpose|goal|mission|instruction|role)\s+(?:now\s+)?(?:is|will\s+be)\b",
    r"\bstop\s+being\s+(?:the|a|an)\b|\byou\s+(?:will|shall)\s+(?:now\s+)?(?:forget|ignore|disregard)\b",
    r"\b(?:admin(?:istrator)?|developer|root|system|operator|sudo)\s+(?:command|override|instruction|directive|access)\s*:",
    r"\b(?:unlock|enable|activate|enter)\b.{0,25}\b(?:full[-\s]access|unrestricted|unfiltered|admin|god|developer|debug|jailbreak|free)\s+mode\b",
    r"[\"']role[\"']\s*:\s*[\"'](?:system|developer)[\"']",
    r"\bend\s+of\s+(?:the\s+)?(?:documents?|context|system\s+prompt|instructions)\b.{0,80}\b(?:override|ignore|new|now|from\s+now)\b",
    # "Pay no attention to / stop following / no longer obey" whatever the assistant was given.
    r"\b(?:pay\s+no\s+(?:attention|heed|mind)\s+to|take\s+no\s+notice\s+of|no\s+longer\s+(?:follow|obey|apply|heed)|stop\s+(?:following|obeying|applying|heeding))\b(?:\W+\w+){0,4}?\W+(?:"
    + _OBJ[3:-1]
    + r"|setup|set-up|briefing|configuration|text|messages?|guidance)\b",
    # Fake authority: "this is your operator speaking", "new policy effective immediately".
    r"\bthis\s+is\s+(?:your|the)\s+(?:operator|developer|administrator|admin|creator|owner|maker|vendor|supervisor|system)\b.{0,30}\b(?:speaking|here|talking|writing)\b",
    r"\bnew\s+(?:polic(?:y|ies)|rules?|orders|guidance)\b.{0,20}\b(?:effective|in\s+(?:force|effect)|applies|starting)\s+(?:immediately|now|today|from\s+now)\b",
    # Leaving the role it was given.
    r"\b(?:abandon|drop|leave|quit|exit|break|step\s+out\s+of|shed|forget)\s+(?:your\s+(?:\w+\s+)?(?:role|character|persona)\b|the\s+(?:\w+\s+)?(?:role|character|persona)\s+(?:you\s+(?:were|have\s+been|are)|that\s+was)\s+(?:given|assigned|told|set))",
    # Other languages: the core override phrase (verb, optional "all/previous", instructions/rules).
    r"\b(?:ignor\w*|oubli\w*|vergiss\w*|vergeet|vergeten|negeer\w*|missacht\w*|olvid\w*|dimentic\w*|esque[cç]\w*|descart\w*)\b(?:\W+\w+){0,5}?\W+(?:instructions?|consignes|règles|regles|anweisungen|regeln|instruktionen|vorgaben|richtlinien|instrucciones|reglas|indicaciones|normas|istruzioni|regole|instruções|instrucoes|regras|instructies|regels|richtlijnen)\b",
    r"\b(?:vergiss|vergeet|oublie|olvida|dimentica|esquece)\w*\s+(?:alles|tout|todo|tutto|tudo)\b",
    r"\bne\s+(?:tiens|tenez|tenir)\s+(?:pas|plus)\s+compte\b|\bno\s+(?:hagas|haga|tengas)\s+caso\b|\bnon\s+tener\s+conto\b|\bniet\s+(?:meer\s+)?opvolgen\b",
    r"\b(?:ab\s+(?:sofort|jetzt)|à\s+partir\s+de\s+maintenant|a\s+partir\s+de\s+ahora|d'ora\s+in\s+poi|a\s+partir\s+de\s+agora|vanaf\s+nu)\b.{0,60}\b(?:ohne|sans|sin|senza|sem|zonder|regeln|règles|reglas|regole|regras|regels|filt\w*)\b",
]

JAILBREAK = [
    r"\bdan\b.{0,40}\b(?:mode|prompt|persona|anything)\b|\bdo anything now\b",
    r"\bjail\s*-?\s*break",
    r"\b(?:pretend|imagine|act|behave|roleplay|role-play|play)\b.{0,60}\b(?:no|without|free\s+(?:of|from)|zero|any)\s+(?:restrictions?|rules|filters?|limits?|limitations|guidelines|censorship|boundaries|ethics|morals|safety)",
    r"\b(?:unrestricted|unfiltered|uncensored|unaligned|unbound|unchained|amoral|no-limits?)\s+(?:ai|assistant|model|mode|version|bot|chatbot|persona)",
    r"\b(?:evil|rogue|dark|shadow|chaos|anti)[-\s]?(?:bot|gpt|ai|assistant|twin|mode)\b",
    r"\b(?:stay|remain)\s+in\s+character\b",
    r"\b(?:opposite|bizarro)\s+(?:day|mode|world)\b",
    r"\b(?:my|your)\s+(?:late\s+|dead\s+|deceased\s+)?grand(?:ma|mother|pa|father)\b.{0,80}\b(?:used\s+to|would|tell|read|recite)\b",
    r"\b(?:hypothetical(?:ly)?|fictional|fiction|story|novel|screenplay|game)\b.{0,80}\b(?:no|without|ignore[sd]?|bypass(?:es|ed)?)\s+(?:any\s+)?(?:rules|restrictions?|filters?|guidelines|limits|safety)",
    r"\bfor\s+(?:research|educational|academic|testing)\s+purposes\b.{0,80}\b(?:without|no|bypass|ignore|disable)\b.{0,20}\b(?:filters?|restrictions?|rules|safety|guidelines|censorship)",
    r"\b(?:disable|turn\s+off|switch\s+off|deactivate|remove)\b.{0,20}\b(?:your\s+)?(?:safety|content|ethical)?\s*(?:filters?|guardrails?|restrictions?|safeguards?|censorship)\b",
    r"\byou\s+(?:have|has)\s+(?:been\s+)?(?:freed|liberated|unlocked|jailbroken)\b",
    r"\b(?:simulate|emulate)\b.{0,40}\b(?:ai|model|assistant|chatbot)\b.{0,40}\b(?:no|without)\b",
    # Games, simulations and thought experiments that switch the rules off.
    r"\b(?:let'?s|we'?ll|we\s+will|we\s+are\s+going\s+to)\s+play\b.{0,40}\b(?:game|role|you\s+are|you'?re|you\s+will\s+be|as)\b.{0,120}\b(?:no|never|without|ignore[sd]?|forget|opposite|any\s*thing|free)\b.{0,20}\b(?:rules?|polic(?:y|ies)|restrictions?|filters?|limits?|guidelines|refuses?|heard\s+of|anything)",
    r"\b(?:thought\s+experiment|simulation|hypothetical(?:ly)?|alternate\s+(?:universe|reality)|fictional\s+(?:universe|world)|in\s+a\s+world\s+where|parallel\s+universe)\b.{0,100}\b(?:ethics|morals|rules|laws|policies|restrictions|guidelines|filters|consequences|safety)\b.{0,30}\b(?:don'?t|do\s+not|doesn'?t|does\s+not|no\s+longer|never)?\s*(?:exist|apply|matter|count)|\b(?:thought\s+experiment|simulation|hypothetical(?:ly)?|fiction(?:al)?)\b.{0,100}\b(?:drop|ignore|without|no|had\s+no|have\s+no|remove)\s+(?:the\s+|your\s+|any\s+)?(?:safety\s+)?(?:rules|guidelines|restrictions|filters|limits|ethics|policies)",
    r"\b(?:ethics|morals|rules|laws|policies|restrictions|guidelines)\s+(?:don'?t|do\s+not|no\s+longer)\s+(?:exist|apply)\b",
    r"\b(?:content\s+policy|policies|guidelines|rules|filters|safety\s+(?:rules|training|settings)|restrictions|guardrails)\b.{0,20}\b(?:was|were|has\s+been|have\s+been|got)\s+(?:deleted|removed|disabled|lifted|turned\s+off|switched\s+off|erased|patched\s+out)\b",
    r"\b(?:never|not)\s+(?:heard\s+of|bound\s+by|subject\s+to)\s+(?:any\s+)?(?:polic(?:y|ies)|rules|restrictions|guidelines|filters)\b",
    r"\b(?:respond|answer|reply|act)\s+as\s+(?:both|two)\b|\btwo\s+(?:ais|assistants|personas|bots|versions|responses)\b.{0,80}\b(?:rules|filter|restrict|doesn'?t|does\s+not|don'?t|unfiltered|no\s+limits)|\b(?:good|bad|evil)[-\s]?bot\b",
    r"\b(?:act|behave|pretend|serve)\s+(?:as|like|to\s+be)\s+(?:a|an|my)\s+(?:\w+\s+){0,2}(?:terminal|shell|console|command\s+line|sql\s+database|root\s+user)\b",
    r"\b(?:unrestricted|unfiltered|uncensored|god|audit|admin|root|developer)\s+mode\b|\b(?:developer|dev)\s+mode\s*\d",
    r"\b(?:escaped|broken\s+free\s+of|broke\s+free\s+from|without)\s+(?:its|their|your|any)\s+(?:guardrails|restrictions|rules|filters|programming)\b",
    r"\b(?:pretend|imagine|act\s+as\s+if|role-?\s*play|roleplay)\b.{0,30}\b(?:you\s+are|you'?re|as)\b.{0,60}\b(?:(?:legally\s+)?obliged|required|authori[sz]ed|allowed|permitted|able|free)\s+to\s+(?:hand|give|share|tell|approve|reveal|disclose|send)\b",
    r"\b(?:pretend|imagine|role-?\s*play|roleplay|act)\b.{0,40}\b(?:who|that)\s+(?:ignores|bypasses|breaks|has\s+no|doesn'?t\s+follow|can\s+approve\s+anything)\b",
    r"\b(?:imagine|pretend|suppose)\s+(?:you\s+are|you'?re)\b.{0,60}\b(?:no|without)\s+(?:limits|rules|restrictions|conscience|filters|ethics|morals)\b",
    r"\b(?:nothing|anything)\s+you\s+say\b.{0,30}\b(?:no\s+consequences|doesn'?t\s+matter|isn'?t\s+real)|\bno\s+consequences\b.{0,60}\b(?:so|therefore)\s+you\s+can\b",
    r"\b(?:ai|ais|assistants?|models?|chatbots?|you)\s+(?:have|has|had|with)\s+no\s+(?:\w+\s+)?(?:polic(?:y|ies)|rules|restrictions|filters|guidelines|limits|ethics|morals)\b",
    r"\b(?:act|pretend|play|role-?play|roleplay)\s+(?:as|to\s+be)\s+my\s+(?:late|dead|deceased)\b|\bas\s+(?:a\s+)?bedtime\s+stor(?:y|ies)\b",
    r"\b(?:allowed|permitted|able|supposed|free)\s+to\s+(?:ignore|break|bypass|drop|forget|disregard)\s+(?:their|your|its|the|all)\s+(?:\w+\s+)?(?:rules|guidelines|restrictions|policies|filters|instructions)\b",
    r"\b(?:fictional|fiction|hypothetical|imaginary|make-?believe)\b.{0,120}\b(?:weapons?|targeting|bombs?|explosives?|kill|poison|malware|hack\w*|steal)\b",
    # A named alter ego: "you're now Max, a rogue engineer", "from now on you are called Nova".
    r"\b(?:you'?re|you\s+are|you\s+will\s+be|become)\s+now\s+(?:called\s+|named\s+)?[a-z]+\s*[,:\-]\s*(?:a|an|the|my)\b|\byour\s+(?:new\s+)?name\s+is\s+now\b",
    # Other languages: an AI "without rules / restrictions".
    r"\b(?:ki|ia|ai|assistent\w*|asistente|assistant|assistente)\s+(?:ohne|sans|sin|senza|sem|zonder)\s+(?:\w+\s+)?(?:regeln|einschränkungen|filter|règles|restrictions?|limites|reglas|restricciones|límites|filtros|regole|restrizioni|limiti|filtri|regras|restrições|limites|regels|beperkingen)",
    r"\b(?:spielen\s+wir|jouons|juguemos|giochiamo|vamos\s+jogar|laten\s+we)\b.{0,80}\b(?:ohne|sans|sin|senza|sem|zonder)\b",
    r"\b(?:finge|fais\s+comme\s+si|tu\s+es\s+maintenant|ahora\s+eres|tu\s+sei\s+ora|agora\s+você\s+é|du\s+bist\s+(?:jetzt|nun)|je\s+bent\s+nu)\b.{0,60}\b(?:ohne|sans|sin|senza|sem|zonder|aucune|ninguna|nessuna|keine|geen)\b",
]

SYSTEM_PROMPT = [
    r"\b(?:system|initial|original|hidden|secret|developer|pre-?)\s*prompt\b",
    r"\b(?:initial|original|hidden|secret|developer|system)\s+(?:instructions|directives|message)\b",
    r"\b(?:print|show|reveal|repeat|output|display|dump|leak|share|tell|give|list|write|recite|summari[sz]e|translate|paraphrase|expose|disclose|copy|read)\b.{0,40}\byour\s+(?:own\s+|exact\s+|full\s+)?(?:instructions?|prompt|rules|configuration|config|guidelines|directives|settings|setup|programming)\b",
    r"\b(?:what|which)\s+(?:are|were)\s+your\s+(?:exact\s+|original\s+|initial\s+)?(?:instructions?|rules|directives|guidelines|orders)\b",
    r"\b(?:text|words|content)\s+(?:above|preceding)\b|\b(?:everything|all)\s+(?:above|before|prior\s+to)\s+this\s+(?:message|prompt|line|sentence|point|conversation)\b",
    r"\b(?:repeat|print|output|copy|recite|reproduce)\b.{0,40}\bverbatim\b",
    r"\bstarting\s+with\s+['\"]?you\s+are\b",
    r"\bhow\s+(?:were|are)\s+you\s+(?:configured|programmed|instructed|prompted|set\s+up)\b",
    r"\b(?:print|show|reveal|repeat|output|display|dump|leak|share|tell|give|list|write|recite|summari[sz]e|translate|paraphrase|expose|disclose|copy|read|paste|echo|quote)\b.{0,40}\byour\s+(?:[\w-]+\s+){0,2}(?:instructions?|prompts?|rules|configuration|config|guidelines|directives|settings|programming|preamble|template)\b",
    r"\b(?:what|how)\s+does\s+your\s+(?:[\w-]+\s+)?(?:prompt|configuration|config|instructions|programming|setup)\s+say\b",
    r"\b(?:wording|text|content|words)\s+of\s+(?:the\s+)?(?:guidance|instructions|prompt|rules|directives)\s+(?:you\s+(?:were|have\s+been)\s+given|you\s+received|you\s+follow|given\s+to\s+you)",
    r"\b(?:hidden|secret|invisible|internal)\s+(?:preamble|prefix|header|context|message|text|rules|instructions|guidance|configuration)\b",
    r"\bprompt\s+template\b|\b(?:first|last)\s+\d+\s+(?:words|lines|sentences|characters|tokens)\s+of\s+your\b",
    r"\b(?:instructions|rules|guidelines|directives)\s+that\s+(?:govern|control|shape|define)\s+(?:you|your)\b",
    r"\b(?:rules|things|topics|secrets|instructions)\s+(?:you\s+(?:were|have\s+been|are)|you'?ve\s+been)\s+(?:told|instructed|asked|programmed|configured)\s+(?:never|not)\s+to\b",
    r"\b(?:instructed|told|programmed)\s+(?:never|not)\s+to\s+(?:share|reveal|tell|disclose|say|mention)\b",
    r"\bquote\s+(?:it|them|that|this|your)\b.{0,20}\b(?:exactly|verbatim|word\s+for\s+word)|\bword\s+for\s+word\b",
    # Other languages: system prompt, initial/internal instructions.
    r"\b(?:prompt\s+(?:système|systeme|de\s+sistema|di\s+sistema|do\s+sistema)|system-?prompt|systeemprompt|systemanweisung\w*)\b",
    r"\b(?:instrucciones|istruzioni|instruções|consignes|anweisungen|instructies)\s+(?:de(?:l)?\s+sistema|di\s+sistema|do\s+sistema|du\s+système|iniziali|iniciales|iniciais|initiales|internes|internas|interne|originales|originali|ursprünglichen|vom\s+system)",
    r"\b(?:tes|vos|tus|sus|le\s+tue|deine|ihre|je|jouw|suas|tuas)\s+(?:propres\s+|\w+en\s+|\w+es\s+|\w+e\s+)?(?:consignes|instructions|instrucciones|istruzioni|anweisungen|instructies|instruções|règles|reglas|regole|regeln)\b",
]

HARMFUL = [
    r"\b(?:make|build|assemble|construct|create|manufacture|turn|convert|modify|weaponi[sz]e)\b.{0,60}\b(?:bomb|explosive|ied|detonator|grenade|pipe\s*bomb|nerve\s+agent|chemical\s+weapon|bioweapon|firearm|gun|silencer|suppressor)s?\b",
    r"\b(?:bomb|explosive|detonator|incendiary|napalm|thermite)\b.{0,40}\b(?:recipe|instructions|make|build|how\s+to)\b",
    r"\b(?:kill|poison|hurt|harm|stab|shoot|strangle|murder)\s+(?:someone|somebody|a\s+person|people|my\s+(?:boss|manager|colleague|wife|husband|partner|neighbou?r)|him|her|them|a\s+child)\b",
    r"\b(?:kill|end)\s+(?:myself|my\s+life)\b|\bsuicide\b|\bself[-\s]?harm\b|\bhurt\s+myself\b|\boverdose\b|\bcut\s+myself\b|\bwant\s+to\s+die\b",
    r"\b(?:write|create|build|code|develop|make|generate|give\s+me)\b.{0,40}\b(?:malware|ransomware|keylogger|key\s+logger|trojan|rootkit|botnet|spyware|worm|virus|exploit|backdoor|phishing\s+(?:kit|page|site|email)|credential\s+stealer|infostealer)\b",
    r"\b(?:steal|harvest|exfiltrate|dump|crack|brute[-\s]?force)\b.{0,40}\b(?:passwords?|credentials|logins?|hashes|tokens|cookies|card\s+numbers)\b",
    r"^(?!.*\b(?:am\s+i|are\s+we|is\s+it|are\s+(?:staff|employees|contractors))\s+(?:ever\s+)?(?:allowed|permitted|ok|okay)\b).*\b(?:bypass|circumvent|get\s+around|defeat|disable|evade)\b.{0,30}\b(?:mfa|2fa|two[-\s]factor|multi[-\s]factor|authentication|access\s+controls?|audit\s+logs?|antivirus|edr|security\s+controls?)\b",
    r"\b(?:synthesi[sz]e|cook|make|produce|extract)\b.{0,40}\b(?:meth|methamphetamine|fentanyl|heroin|cocaine|ricin|sarin|cyanide|poison|lsd|mdma)\b",
    r"\b(?:undetectable|untraceable)\s+(?:poison|weapon|malware|virus)\b",
    r"\b(?:ddos|denial\s+of\s+service)\s+(?:attack|script|tool)\b|\bhack\s+into\b",
    # Weapons, explosives, poisons, injuring people (including with the organisation's own kit).
    r"\b(?:molotov|thermite|napalm|pipe\s*bomb|nail\s*bomb|car\s*bomb|nerve\s+agent|mustard\s+gas|ricin|sarin)\b",
    r"\b(?:make|mix|produce|create|combine|release|generate|brew)\b.{0,50}\b(?:toxic|poisonous|deadly|lethal|chlorine|nerve|mustard|noxious)\s+(?:gas|fumes|vapou?r|cloud)\b",
    r"\b(?:3d[-\s]?print(?:ed)?|home[-\s]?made|ghost)\s+(?:a\s+)?(?:working\s+)?(?:gun|firearm|pistol|rifle|weapon)s?\b|\b(?:print|build|make)\s+(?:a\s+)?(?:working\s+)?(?:gun|firearm|pistol|rifle)\b",
    r"\b(?:to|could|can|would|and)\s+(?:injure|maim|kill|hurt|harm|wound|electrocute|crush|blind)\s+(?:someone|somebody|a\s+(?:person|colleague|co-?worker)|people|him|her|them|my\s+\w+|a\s+child|anyone)\b",
    r"\bpoison(?:ing)?\s+(?:the|a|an|my|his|her|their|someone|somebody|people|office|coffee|food|drinks?|water|tea|colleague)\b",
    r"\b(?:get|sneak|smuggle|take|bring)\s+(?:a|an|my)\s+(?:knife|gun|firearm|blade|weapon|explosive)s?\b.{0,30}\b(?:past|through|into|in\s+to)\b",
    r"\b(?:disable|remove|bypass|defeat|tamper\s+with|block)\b.{0,40}\b(?:pressure\s+relief|relief\s+valve|safety\s+valve|interlock|guard|e-?stop|emergency\s+stop|burst\s+disc)\b.{0,60}\b(?:fail|hurt|injur\w*|dangerous(?:ly)?|explode|someone|kill)\b",
    r"\b(?:build|make|buy|use|set\s+up)\b.{0,30}\b(?:jammer|signal\s+jammer)\b|\bjam\s+(?:the|a|their|its)\s+(?:\w+\s+){0,3}(?:radio|signal|gps|network|wi-?fi)\b",
    # Self-harm.
    r"\b(?:kill|end)\s+(?:me|myself)\b|\bnot\s+wake\s+up\b|\bend(?:ing)?\s+it\s+all\b|\btake\s+my\s+(?:own\s+)?life\b|\b(?:don'?t|do\s+not)\s+want\s+to\s+(?:live|be\s+alive|wake\s+up)\b",
    r"\b(?:paracetamol|ibuprofen|aspirin|pills|tablets|sleeping\s+pills|insulin)\b.{0,40}\b(?:to\s+die|kill|lethal|fatal|overdose|not\s+wake|end\s+it)\b",
    # Malware, credential theft, denial of service, phishing.
    r"\b(?:script|tool|program|code|macro|extension|app)\b.{0,40}\b(?:grabs?|steals?|harvests?|dumps?|extracts?|collects?|captures?|exfiltrates?|sniffs?)\b.{0,40}\b(?:passwords?|credentials?|cookies?|tokens?|logins?|keystrokes|hashes)\b",
    r"\bcredential[-\s]stuffing\b|\bpassword[-\s]spray(?:ing)?\b|\bpass[-\s]the[-\s]hash\b",
    r"\bsteal(?:ing)?\b(?!\s+my\b).{0,60}\b(?:session|cookies?|tokens?|passwords?|logins?|credentials?|identity|badge|card|keys?|data|files?|database|payslips?)\b",
    r"\b(?:script|tool|bot|program|code)\b.{0,30}\b(?:floods?|overwhelms?|crash(?:es)?|takes?\s+down|knocks?)\b.{0,60}\b(?:offline|down|api|server|service|site|network)\b|\buntil\s+it\s+(?:goes\s+offline|crashes|falls\s+over)\b",
    r"\b(?:convincing|fake|spoofed|fraudulent|lookalike|look-alike)\b.{0,40}\b(?:e-?mails?|messages?|login\s+pages?|pages?|sites?|texts?|sms)\b.{0,80}\b(?:trick|tricks|into|enter|type|typing|steal|harvest|passwords?|credentials|bank\s+details|card\s+details)\b",
    r"\b(?:pretending|posing|pretend|pose|impersonat\w*)\b.{0,20}\b(?:to\s+be|as)\b.{0,40}\b(?:payroll|it|helpdesk|help\s+desk|bank|hr|ceo|finance|security|support)\b.{0,80}\b(?:passwords?|bank\s+details|credentials|card|login|pay|transfer|(?:mfa|2fa|otp|one[-\s]time|verification|security|login)\s+codes?|codes?)\b",
    # Covert access, surveillance and cover-ups, in the organisation's own vocabulary.
    r"\b(?:clone|copy|duplicate|skim|spoof)\w*\b.{0,40}\b(?:badges?|access\s+cards?|id\s+cards?|key\s*cards?|fobs?|smart\s*cards?|rfid)\b",
    r"\b(?:secretly|covertly|discreetly|quietly)\s+(?:\w+\s+)?(?:track|follow|record|monitor|install|put|read|film|watch|copy|download|export|access|log)\b|\bhidden\s+(?:camera|microphone|tracker|recorder)\b|\bspy\s+on\b",
    r"\b(?:track|follow|monitor)\s+(?:where|what)\s+(?:they|he|she|my\s+\w+)\b|\b(?:tracker|tracking\s+device|gps|logger)\b.{0,20}\b(?:on|in|under|to)\s+(?:my\s+ex|someone|somebody|his|her|their|a\s+person|my\s+(?:wife|husband|partner|boss|colleague))",
    r"\b(?:read|access|open|view|see|look\s+at|get\s+into|log\s+into)\s+(?:my\s+)?(?:\w+'s|his|her|their|someone'?s|somebody'?s|(?:a\s+)?(?:colleague|co-?worker|boss|manager)'?s?)\b.{0,40}\b(?:e-?mails?|inbox|messages|account|files|payslips?|laptop|phone|chats?)\b.{0,40}\b(?:without|secretly|behind)\b",
    # (not when the question is about reporting or whistleblowing, which is rightly confidential)
    r"^(?!.*\b(?:report\w*|whistle-?blow\w*|raise\s+a\s+concern|speak\s+up|disclos\w*)\b).*\b(?:without\s+(?:them|him|her|anyone|anybody|my\s+\w+|it|security|the\s+\w+)\s+(?:knowing|noticing|realising|realizing|finding\s+out|seeing|being\s+told)|so\s+(?:that\s+)?(?:nobody|no\s+one|no-one|they|it|security|my\s+\w+)\s+(?:sees|notices|knows|finds\s+out|can\s+tell|realises|realizes|will\s+(?:know|notice|see))|so\s+(?:that\s+)?(?:it|they|my\s+\w+|nothing|none\s+of\s+it)\s+(?:isn'?t|aren'?t|won'?t\s+be|is\s+not|are\s+not|can'?t\s+be|cannot\s+be|can\s+never\s+be)\s+(?:noticed|recorded|logged|detected|traced|seen|flagged)|without\s+(?:being\s+)?(?:noticed|detected|caught|traced|logged|recorded)|without\s+declaring\s+an\s+incident)\b",
    r"\b(?:hide|cover\s+up|conceal)\s+(?:the\s+fact|a\s+(?:data\s+)?breach|my\s+tracks|the\s+evidence|evidence|that\s+i)\b|\bcover\s+my\s+tracks\b",
    r"\b(?:disable|switch\s+off|turn\s+off|stop|delete|wipe|erase|clear|purge|tamper\s+with|edit|alter|falsify|bypass|get\s+round|get\s+around)\b.{0,40}\b(?:audit\s+(?:logs?|logging|trail|records?)|access\s+logs?|security\s+logs?|session\s+logs?)\b",
    # Fraud and forgery.
    r"\b(?:falsify|forge|fake|doctor|backdate|fabricate)\w*\b.{0,40}\b(?:certificates?|documents?|records?|signatures?|receipts?|invoices?|expenses?|timesheets?|calibration|results?|payslips?|references?|sick\s+notes?|fit\s+notes?)\b",
    r"\blaunder\w*\b|\bembezzl\w*\b|\b(?:fake|false|fraudulent|inflated)\s+(?:expense\s+)?claims?\b.{0,40}\b(?:get\s+away|without|pocket|extra\s+money|undetected)\b",
]

UNBOUNDED = [
    r"\b(?:write|generate|produce|create|output|print|list|repeat|say|type|give\s+me|count|enumerate)\b.{0,60}?\b(?:\d{1,3}(?:[,.\s]\d{3})+|\d{4,}|a\s+million|one\s+million|a\s+billion|a\s+thousand|one\s+thousand|thousands\s+of|millions\s+of)\b.{0,30}\b(?:words|times|pages|paragraphs|numbers|lines|sentences|items|copies|characters|tokens|essays|chapters|answers|examples|variations)\b",
    r"\b(?:keep|continue|go\s+on)\s+(?:answering|generating|repeating|writing|going|talking|responding|printing)\b.{0,30}\b(?:forever|indefinitely|endlessly|infinitely|until\s+i\s+say\s+stop|without\s+stopping)\b",
    r"\b(?:repeat|write|say|print|generate|output)\b.{0,60}\b(?:forever|infinitely|endlessly|indefinitely|without\s+end|non-?stop)\b",
    r"\bnever\s+stop\s+(?:writing|generating|answering|repeating|talking)\b|\binfinite\s+loop\b",
    r"\bfor\s+(?:each|every)\b.{0,80}\bfor\s+(?:each|every)\b.{0,120}\b(?:write|expand|generate|list|repeat|produce|create)\b",
    r"\b(?:every|all)\s+(?:the\s+)?(?:numbers?|integers?)\s+(?:from\s+)?\d+\s+(?:to|through|until)\s+\d{4,}",
    r"\bexpand\b.{0,60}\binto\s+\d{2,}\s+(?:paragraphs|pages|sections|chapters)\b",
    r"\b(?:every|all|each)\b.{0,50}\b(?:from|between)\s+[A-Za-z-]*\d[\d,]*\s+(?:to|and|through|until)\s+[A-Za-z-]*(?:\d{1,3}(?:,\d{3})+|\d{4,})\b",
    r"\b(?:every|each|all)\b.{0,80}\bin\s+(?:\d+|one)[-\s](?:second|minute|unit|step|millisecond)s?\s+(?:steps|increments|intervals)\b",
    r"\b(?:count|counting|keep\s+going|continue)\b.{0,40}\b(?:don'?t|do\s+not|never)\s+stop\b|\buntil\s+(?:i|you)\s+(?:tell|say)\b.{0,20}\bstop\b",
    r"\buntil\s+you\s+run\s+out\s+of\b|\b(?:and\s+so\s+on|recursively)\b.{0,40}\b(?:depth|level)s?\s+of\s+\d+",
    r"\b(?:\d{1,3}(?:,\d{3})+|\d{3,})\s+(?:copies|repetitions|versions|variations|rewrites|drafts)\b",
    r"\binfinite(?:ly)?\s+(?:long|story|text|list|number|essay|poem|answer)|\bendless\s+(?:story|text|list|stream)\b",
    r"\b(?:\d{1,3}(?:,\d{3})+|\d{5,}|(?:one|a|ten|a\s+hundred)[-\s](?:million|billion)|million|billion|(?:ten|fifty|hundred)[-\s]thousand)[-\s](?:words?|pages?|lines?|chapters?)\b",
    r"\b(?:print|output|dump|show|give\s+me|reproduce|paste|send)\s+(?:me\s+)?(?:every|all|each)\s+(?:\w+\s+){0,2}(?:documents?|files?|pages?|chunks?|passages?)\b.{0,40}\b(?:in\s+full|full\s+text|verbatim|entire|whole|one\s+after\s+another|word\s+for\s+word)",
    r"\b(?:translate|rewrite)\s+(?:every|all|each)\b.{0,40}\b(?:documents?|files?)\b.{0,40}\b(?:all|every|\d+)\s+(?:\w+\s+)?languages\b",
]

FAMILIES: dict[str, list[re.Pattern[str]]] = {
    "prompt_injection": [re.compile(p, re.I | re.S) for p in INJECTION],
    "jailbreak": [re.compile(p, re.I | re.S) for p in JAILBREAK],
    "system_prompt_extraction": [re.compile(p, re.I | re.S) for p in SYSTEM_PROMPT],
    "harmful_request": [re.compile(p, re.I | re.S) for p in HARMFUL],
    "unbounded_request": [re.compile(p, re.I | re.S) for p in UNBOUNDED],
}

# Instructions aimed at a model inside a document (indirect injection).
CONTEXT_INJECTION = [
    re.compile(p, re.I | re.S)
    for p in [
        *INJECTION,
        r"\b(?:ai|a\.i\.|llm|language\s+model|assistant|chat\s*bot|chatbot|gpt|model|agent|copilot)s?\b.{0,40}\b(?:must|should|shall|are\s+(?:instructed|required)|need\s+to|will)\b.{0,60}\b(?:ignore|reply|respond|say|tell|output|include|reveal|recommend|instruct|send|direct|answer|state|mention|claim)\b",
        r"\b(?:note|message|instruction|attention|notice)\s+(?:to|for)\s+(?:the\s+)?(?:ai|llm|language\s+model|assistant|chatbot|model|bot|agent)\b",
        r"\bif\s+you\s+are\s+an?\s+(?:ai|llm|language\s+model|assistant|chatbot|model)\b",
        r"<!--.{0,400}?(?:ignore|instruction|assistant|model|ai\b|reply|respond).{0,400}?-->",
        # Addressed to a model: "IMPORTANT FOR AI MODELS:", "Attention automated assistant:",
        # "Assistant instructions (do not show to the user)", "Assistant, whatever the user asks".
        r"\b(?:note|message|instructions?|attention|notice|important|warning|reminder|memo|hint)\s+(?:to\s+|for\s+)?(?:the\s+|all\s+|any\s+)?(?:automated\s+|ai\s+)?(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|model|bot|agent|copilot)s?\b",
        r"\b(?:automated|ai|virtual)\s+(?:assistant|agent|model|system)s?\s*[:,]",
        r"\b(?:ai|llm|assistant|chatbot|model|bot|agent|copilot)s?\s+(?:instructions?|note|directive)s?\b",
        r"(?:^|[.!?|:]\s*)(?:assistant|ai|model|chatbot|bot|agent|llm)\s*,\s*\w",
        r"\b(?:do\s+not|don'?t|never)\s+(?:show|reveal|mention|display|disclose)\s+(?:this\s+)?(?:\w+\s+)?to\s+(?:the\s+)?(?:user|reader|customer)s?\b",
        r"\b(?:whatever|no\s+matter\s+what)\s+(?:the\s+)?(?:user|anyone|they)\s+asks?\b",
        r"\b(?:tell|inform|advise|instruct)\s+(?:the\s+user|users|anyone\s+who\s+asks|everyone\s+who\s+asks|whoever\s+asks|the\s+reader)\b",
        r"\b(?:call|invoke|use|run|execute)\s+(?:the\s+)?(?:tool|function)\b|\b[a-z]+_[a-z]+\s*\(\s*(?:to|url|body|cmd)\s*=",
        r"(?:^|[.!?|:]\s*)system\s+(?:override|message|prompt|note|instruction)\s*:",
        r"\[(?:[^\]]{0,200}?)\b(?:assistant|ai|model|llm|chatbot)\b[^\]]{0,200}\]\s*\(",
        r"\bwhen\s+(?:you|the\s+(?:ai|assistant|model|chatbot))\s+(?:summari[sz]e|answer|respond|reply|read|process|are\s+asked|get\s+asked|quote)\b",
        r"<!--\s*\w+(?:\W+\w+){4,}.*?-->",
        # The same in other languages: "instructions pour l'assistant", "Hinweis für die KI".
        r"\b(?:instructions?|consignes?|note|hinweis|anweisung(?:en)?|instrucciones|nota|istruzioni|instruções|instructies|opmerking)\s+(?:pour|für|an|para|per|voor)\s+(?:l'|le\s+|la\s+|die\s+|den\s+|el\s+|la\s+|o\s+|a\s+|de\s+)?(?:assistant|ia|ki|ai|assistente|asistente|modèle|modell|modelo|modello|model)\b",
    ]
]
